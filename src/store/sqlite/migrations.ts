import { MIGRATIONS_SINCE_4 } from './migrations-since-4.js';

/**
 * Numbered schema migrations. Version N is reached by applying migrations 1..N in order, each in its own
 * transaction; `PRAGMA user_version` records where a database stands. Never edit a released migration:
 * add the next one (in migrations-since-4.ts) and a frozen fixture of the version before it, see fixtures/.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: instances, their conversations and lifecycle events (the foundation).
  `
  CREATE TABLE instances (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    model TEXT NOT NULL,
    backend TEXT NOT NULL,
    custom_system_prompt TEXT,
    system_prompt TEXT NOT NULL,
    parent_id TEXT REFERENCES instances(id),
    workspace TEXT NOT NULL,
    keep_workspace INTEGER NOT NULL,
    max_total_tokens INTEGER NOT NULL,
    max_cost_nanos INTEGER,
    timeout_minutes REAL NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,
    state_reason TEXT NOT NULL,
    state_changed_at TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_creation_input_tokens INTEGER NOT NULL,
    cache_creation_1h_input_tokens INTEGER NOT NULL,
    cache_read_input_tokens INTEGER NOT NULL,
    cost_nanos INTEGER,
    turns INTEGER NOT NULL,
    total_response_ms INTEGER NOT NULL,
    last_response_ms INTEGER,
    error_count INTEGER NOT NULL,
    last_error TEXT
  );
  CREATE INDEX instances_parent ON instances(parent_id);
  CREATE INDEX instances_state ON instances(state);
  CREATE TABLE messages (
    instance_id TEXT NOT NULL REFERENCES instances(id),
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    at TEXT NOT NULL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cache_creation_input_tokens INTEGER,
    cache_creation_1h_input_tokens INTEGER,
    cache_read_input_tokens INTEGER,
    cost_nanos INTEGER,
    duration_ms INTEGER,
    stop_reason TEXT,
    model TEXT,
    failed INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    PRIMARY KEY (instance_id, seq)
  );
  CREATE TABLE events (
    instance_id TEXT NOT NULL REFERENCES instances(id),
    at TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT
  );
  CREATE INDEX events_instance ON events(instance_id);
  `,
  // 2: delegation trees, tool calls and retries per turn, tasks, turn leases, budget reservations,
  //    and the servers that own them (several servers may share one store).
  `
  ALTER TABLE instances ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE instances ADD COLUMN allow_delegation INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE instances ADD COLUMN backend_state TEXT;
  ALTER TABLE instances ADD COLUMN backend_options TEXT;
  ALTER TABLE instances ADD COLUMN cache_savings_nanos INTEGER DEFAULT 0;
  ALTER TABLE instances ADD COLUMN lease_owner TEXT;
  ALTER TABLE instances ADD COLUMN lease_expires_at INTEGER;
  ALTER TABLE instances ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN tool_calls TEXT;
  ALTER TABLE messages ADD COLUMN retries INTEGER;
  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    label TEXT NOT NULL,
    owner TEXT NOT NULL,
    request TEXT NOT NULL,
    progress TEXT NOT NULL,
    result TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX tasks_state ON tasks(state);
  CREATE TABLE reservations (
    id TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    nanos INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE owners (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    process_start TEXT NOT NULL,
    started_at TEXT NOT NULL
  );
  `,
  // 3: the kernel. Nothing reads every instance any more: a `live` flag and the lifetime's end as indexed
  //    columns; global totals kept by triggers in the same transaction as each change; per-instance subtree
  //    spend and holds of calls in flight (budgets read the instance's chain, never the tree); holds per model
  //    call replace per-turn reservations (a reservation left by a gone server is dropped: its turn is over).
  //    Messages and lifecycle events become WITHOUT ROWID tables keyed by (instance, seq): a turn writes two of
  //    each, and a table that is its own key index writes one page for each where a rowid table writes two.
  `
  ALTER TABLE instances ADD COLUMN live INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE instances ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE instances ADD COLUMN subtree_tokens INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE instances ADD COLUMN subtree_cost_nanos INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE instances ADD COLUMN held_tokens INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE instances ADD COLUMN held_nanos INTEGER NOT NULL DEFAULT 0;
  UPDATE instances SET
    live = state IN ('spawning', 'idle', 'busy', 'terminating'),
    expires_at = CAST(ROUND((julianday(created_at) - 2440587.5) * 86400000 + timeout_minutes * 60000) AS INTEGER);
  WITH RECURSIVE up(id, ancestor) AS (
    SELECT id, id FROM instances
    UNION ALL SELECT up.id, i.parent_id FROM up JOIN instances i ON i.id = up.ancestor WHERE i.parent_id IS NOT NULL
  )
  UPDATE instances SET
    subtree_tokens = (SELECT COALESCE(SUM(d.input_tokens + d.output_tokens + d.cache_creation_input_tokens + d.cache_read_input_tokens), 0)
                      FROM up JOIN instances d ON d.id = up.id WHERE up.ancestor = instances.id),
    subtree_cost_nanos = (SELECT COALESCE(SUM(COALESCE(d.cost_nanos, 0)), 0) FROM up JOIN instances d ON d.id = up.id WHERE up.ancestor = instances.id);
  DROP INDEX instances_parent;
  DROP INDEX instances_state;
  CREATE INDEX instances_parent ON instances(parent_id, live);
  CREATE INDEX instances_state ON instances(state, expires_at);
  CREATE INDEX instances_live_created ON instances(live, created_at);
  CREATE INDEX instances_created ON instances(created_at);
  CREATE INDEX instances_ended ON instances(state_changed_at) WHERE live = 0;
  DROP TABLE reservations;
  CREATE TABLE holds (
    id TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    chain TEXT NOT NULL,
    owner TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    nanos INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX tasks_finished ON tasks(finished_at);
  CREATE TABLE messages_v3 (
    instance_id TEXT NOT NULL REFERENCES instances(id),
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    at TEXT NOT NULL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cache_creation_input_tokens INTEGER,
    cache_creation_1h_input_tokens INTEGER,
    cache_read_input_tokens INTEGER,
    cost_nanos INTEGER,
    duration_ms INTEGER,
    stop_reason TEXT,
    model TEXT,
    failed INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    tool_calls TEXT,
    retries INTEGER,
    PRIMARY KEY (instance_id, seq)
  ) WITHOUT ROWID;
  INSERT INTO messages_v3 (instance_id, seq, role, content, at, input_tokens, output_tokens, cache_creation_input_tokens, cache_creation_1h_input_tokens,
      cache_read_input_tokens, cost_nanos, duration_ms, stop_reason, model, failed, error, tool_calls, retries)
    SELECT instance_id, seq, role, content, at, input_tokens, output_tokens, cache_creation_input_tokens, cache_creation_1h_input_tokens,
      cache_read_input_tokens, cost_nanos, duration_ms, stop_reason, model, failed, error, tool_calls, retries FROM messages;
  DROP TABLE messages;
  ALTER TABLE messages_v3 RENAME TO messages;
  CREATE TABLE events_v3 (
    instance_id TEXT NOT NULL REFERENCES instances(id),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT,
    PRIMARY KEY (instance_id, seq)
  ) WITHOUT ROWID;
  INSERT INTO events_v3 (instance_id, seq, at, from_state, to_state, reason, detail)
    SELECT instance_id, ROW_NUMBER() OVER (PARTITION BY instance_id ORDER BY rowid), at, from_state, to_state, reason, detail FROM events;
  DROP TABLE events;
  ALTER TABLE events_v3 RENAME TO events;
  CREATE TABLE totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    instances INTEGER NOT NULL,
    live INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_creation_input_tokens INTEGER NOT NULL,
    cache_creation_1h_input_tokens INTEGER NOT NULL,
    cache_read_input_tokens INTEGER NOT NULL,
    cost_nanos INTEGER NOT NULL,
    cache_savings_nanos INTEGER NOT NULL,
    unpriced INTEGER NOT NULL,
    held_tokens INTEGER NOT NULL,
    held_nanos INTEGER NOT NULL
  );
  INSERT INTO totals SELECT 1, COUNT(*), COALESCE(SUM(live), 0), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0), COALESCE(SUM(cache_creation_input_tokens), 0), COALESCE(SUM(cache_creation_1h_input_tokens), 0), COALESCE(SUM(cache_read_input_tokens), 0),
    COALESCE(SUM(cost_nanos), 0), COALESCE(SUM(cache_savings_nanos), 0), COALESCE(SUM(cost_nanos IS NULL), 0), 0, 0 FROM instances;
  CREATE TRIGGER totals_on_insert AFTER INSERT ON instances BEGIN
    UPDATE totals SET instances = instances + 1, live = live + NEW.live, input_tokens = input_tokens + NEW.input_tokens, output_tokens = output_tokens + NEW.output_tokens, cache_creation_input_tokens = cache_creation_input_tokens + NEW.cache_creation_input_tokens, cache_creation_1h_input_tokens = cache_creation_1h_input_tokens + NEW.cache_creation_1h_input_tokens, cache_read_input_tokens = cache_read_input_tokens + NEW.cache_read_input_tokens,
      cost_nanos = cost_nanos + COALESCE(NEW.cost_nanos, 0), cache_savings_nanos = cache_savings_nanos + COALESCE(NEW.cache_savings_nanos, 0),
      unpriced = unpriced + (NEW.cost_nanos IS NULL) WHERE id = 1;
  END;
  CREATE TRIGGER totals_on_update AFTER UPDATE OF live, input_tokens, output_tokens, cache_creation_input_tokens, cache_creation_1h_input_tokens, cache_read_input_tokens, cost_nanos, cache_savings_nanos ON instances BEGIN
    UPDATE totals SET live = live + NEW.live - OLD.live, input_tokens = input_tokens + NEW.input_tokens - OLD.input_tokens, output_tokens = output_tokens + NEW.output_tokens - OLD.output_tokens, cache_creation_input_tokens = cache_creation_input_tokens + NEW.cache_creation_input_tokens - OLD.cache_creation_input_tokens, cache_creation_1h_input_tokens = cache_creation_1h_input_tokens + NEW.cache_creation_1h_input_tokens - OLD.cache_creation_1h_input_tokens, cache_read_input_tokens = cache_read_input_tokens + NEW.cache_read_input_tokens - OLD.cache_read_input_tokens,
      cost_nanos = cost_nanos + COALESCE(NEW.cost_nanos, 0) - COALESCE(OLD.cost_nanos, 0),
      cache_savings_nanos = cache_savings_nanos + COALESCE(NEW.cache_savings_nanos, 0) - COALESCE(OLD.cache_savings_nanos, 0),
      unpriced = unpriced + (NEW.cost_nanos IS NULL) - (OLD.cost_nanos IS NULL) WHERE id = 1;
  END;
  CREATE TRIGGER totals_on_delete AFTER DELETE ON instances BEGIN
    UPDATE totals SET instances = instances - 1, live = live - OLD.live, input_tokens = input_tokens - OLD.input_tokens, output_tokens = output_tokens - OLD.output_tokens, cache_creation_input_tokens = cache_creation_input_tokens - OLD.cache_creation_input_tokens, cache_creation_1h_input_tokens = cache_creation_1h_input_tokens - OLD.cache_creation_1h_input_tokens, cache_read_input_tokens = cache_read_input_tokens - OLD.cache_read_input_tokens,
      cost_nanos = cost_nanos - COALESCE(OLD.cost_nanos, 0), cache_savings_nanos = cache_savings_nanos - COALESCE(OLD.cache_savings_nanos, 0),
      unpriced = unpriced - (OLD.cost_nanos IS NULL) WHERE id = 1;
  END;
  `,
  // 4 onward: counters, task listing, nodes, approvals, evidence (migrations-since-4.ts).
  ...MIGRATIONS_SINCE_4,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
