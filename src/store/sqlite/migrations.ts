/**
 * Numbered schema migrations. Version N is reached by applying migrations 1..N in order, each in its own
 * transaction; `PRAGMA user_version` records where a database stands. Never edit a released migration:
 * add the next one (and a frozen fixture of the version before it, see fixtures/).
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
  // 4: counters for /metrics, kept by triggers in the same transaction as each change, so a scrape reads one
  //    small table and a restarted server resumes its totals. Monotonic (retention never lowers them):
  //    instances created, instances ended by reason, turns by outcome, tokens by kind, priced cost. Plus
  //    `tasks`, the number of tasks in each state now (it goes down when a task moves on or is deleted).
  //    Seeded from what is stored (instances deleted by retention before this migration are not counted).
  `
  CREATE TABLE counters (
    metric TEXT NOT NULL,
    label TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (metric, label)
  ) WITHOUT ROWID;
  INSERT INTO counters (metric, label, value)
    SELECT 'instances_created', '', COUNT(*) FROM instances
    UNION ALL SELECT 'turns', 'completed', COALESCE(SUM(turns), 0) FROM instances
    UNION ALL SELECT 'turns', 'failed', COUNT(*) FROM messages WHERE role = 'user' AND failed = 1
    UNION ALL SELECT 'tokens', 'input', COALESCE(SUM(input_tokens), 0) FROM instances
    UNION ALL SELECT 'tokens', 'output', COALESCE(SUM(output_tokens), 0) FROM instances
    UNION ALL SELECT 'tokens', 'cache_write', COALESCE(SUM(cache_creation_input_tokens), 0) FROM instances
    UNION ALL SELECT 'tokens', 'cache_read', COALESCE(SUM(cache_read_input_tokens), 0) FROM instances
    UNION ALL SELECT 'cost_nanos', '', COALESCE(SUM(cost_nanos), 0) FROM instances;
  INSERT INTO counters (metric, label, value) SELECT 'instances_ended', state_reason, COUNT(*) FROM instances WHERE live = 0 GROUP BY state_reason;
  INSERT INTO counters (metric, label, value) SELECT 'tasks', state, COUNT(*) FROM tasks GROUP BY state;
  CREATE TRIGGER counters_on_insert AFTER INSERT ON instances BEGIN
    UPDATE counters SET value = value + 1 WHERE metric = 'instances_created' AND label = '';
    INSERT INTO counters (metric, label, value) SELECT 'instances_ended', NEW.state_reason, 1 WHERE NEW.live = 0
      ON CONFLICT (metric, label) DO UPDATE SET value = value + 1;
    UPDATE counters SET value = value + CASE label WHEN 'input' THEN NEW.input_tokens WHEN 'output' THEN NEW.output_tokens
      WHEN 'cache_write' THEN NEW.cache_creation_input_tokens ELSE NEW.cache_read_input_tokens END
      WHERE metric = 'tokens' AND NEW.input_tokens + NEW.output_tokens + NEW.cache_creation_input_tokens + NEW.cache_read_input_tokens > 0;
    UPDATE counters SET value = value + NEW.cost_nanos WHERE metric = 'cost_nanos' AND label = '' AND NEW.cost_nanos > 0;
    UPDATE counters SET value = value + NEW.turns WHERE metric = 'turns' AND label = 'completed' AND NEW.turns > 0;
  END;
  CREATE TRIGGER counters_on_end AFTER UPDATE OF live ON instances WHEN OLD.live = 1 AND NEW.live = 0 BEGIN
    INSERT INTO counters (metric, label, value) SELECT 'instances_ended', NEW.state_reason, 1 WHERE 1
      ON CONFLICT (metric, label) DO UPDATE SET value = value + 1;
  END;
  CREATE TRIGGER counters_on_charge AFTER UPDATE OF input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_nanos ON instances BEGIN
    UPDATE counters SET value = value + MAX(0, CASE label WHEN 'input' THEN NEW.input_tokens - OLD.input_tokens WHEN 'output' THEN NEW.output_tokens - OLD.output_tokens
      WHEN 'cache_write' THEN NEW.cache_creation_input_tokens - OLD.cache_creation_input_tokens ELSE NEW.cache_read_input_tokens - OLD.cache_read_input_tokens END)
      WHERE metric = 'tokens';
    UPDATE counters SET value = value + NEW.cost_nanos - OLD.cost_nanos WHERE metric = 'cost_nanos' AND label = '' AND NEW.cost_nanos > OLD.cost_nanos;
  END;
  CREATE TRIGGER counters_on_turn AFTER UPDATE OF turns ON instances WHEN NEW.turns > OLD.turns BEGIN
    UPDATE counters SET value = value + NEW.turns - OLD.turns WHERE metric = 'turns' AND label = 'completed';
  END;
  CREATE TRIGGER counters_on_failed_turn AFTER UPDATE OF failed ON messages WHEN NEW.role = 'user' AND NEW.failed = 1 AND OLD.failed = 0 BEGIN
    UPDATE counters SET value = value + 1 WHERE metric = 'turns' AND label = 'failed';
  END;
  CREATE TRIGGER counters_on_task_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO counters (metric, label, value) SELECT 'tasks', NEW.state, 1 WHERE 1 ON CONFLICT (metric, label) DO UPDATE SET value = value + 1;
  END;
  CREATE TRIGGER counters_on_task_state AFTER UPDATE OF state ON tasks WHEN NEW.state != OLD.state BEGIN
    UPDATE counters SET value = value - 1 WHERE metric = 'tasks' AND label = OLD.state;
    INSERT INTO counters (metric, label, value) SELECT 'tasks', NEW.state, 1 WHERE 1 ON CONFLICT (metric, label) DO UPDATE SET value = value + 1;
  END;
  CREATE TRIGGER counters_on_task_delete AFTER DELETE ON tasks BEGIN
    UPDATE counters SET value = value - 1 WHERE metric = 'tasks' AND label = OLD.state;
  END;
  `,
  // 5: tasks of one state are listed newest first: an index on (state, created_at) reads a page as an index
  //    range, in order, however many tasks the state holds (it replaces the index on state alone).
  `
  DROP INDEX tasks_state;
  CREATE INDEX tasks_state_created ON tasks(state, created_at);
  `,
  // 6: nodes. An owner is a node of the cluster: its HTTP address (null for a stdio server) and a heartbeat
  //    (owners written before it count their start as their last heartbeat); nodes are listed freshest first
  //    from an index. A claude-code instance names the node that hosts its agent and workspace (null: any
  //    node may run it, as every instance stored before this version); a node's live instances are an index range.
  `
  ALTER TABLE owners ADD COLUMN address TEXT;
  ALTER TABLE owners ADD COLUMN heartbeat_at TEXT NOT NULL DEFAULT '';
  UPDATE owners SET heartbeat_at = started_at;
  CREATE INDEX owners_heartbeat ON owners(heartbeat_at);
  ALTER TABLE instances ADD COLUMN node TEXT;
  CREATE INDEX instances_node ON instances(node, live);
  `,
  // 7: approvals. A claude-code agent's permission ask that no client could be asked directly waits here, so
  //    any node sharing the store can list and answer it; the node running the agent waits for the answer.
  //    Pending asks are an index range by state (or by instance); settled ones are deleted after a while.
  `
  CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    path TEXT NOT NULL,
    tool TEXT NOT NULL,
    input TEXT NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    decision TEXT,
    settled_reason TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    settled_at TEXT
  );
  CREATE INDEX approvals_state ON approvals(state, created_at);
  CREATE INDEX approvals_instance ON approvals(instance_id, state, created_at);
  `,
  // 8: evidence. A completed turn's assistant message keeps what the agent did and whether it backs the reply
  //    (JSON: {evidence, verification}); null for user messages and for turns stored before this version.
  `
  ALTER TABLE messages ADD COLUMN evidence TEXT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
