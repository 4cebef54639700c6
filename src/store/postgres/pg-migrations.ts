/**
 * Numbered PostgreSQL migrations. `schema_migrations` records each applied version; a node brings the database
 * up to date under an advisory lock, so nodes starting together migrate once (see pg-migrate.ts). Never edit a
 * released migration: add the next one.
 *
 * Version 1 is the SQLite schema at its version 5 (same tables, columns, indexes and counters), with the
 * multi-node additions: the instance's `node` and each owner's `address` and `heartbeat_at`. Integers are
 * BIGINT (SQLite's are 64-bit); flags stay 0/1 integers so both stores share their row mapping. `row_seq`
 * stands in for SQLite's rowid: insertion order, for children and ties.
 */
export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE instances (
    row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    model TEXT NOT NULL,
    backend TEXT NOT NULL,
    custom_system_prompt TEXT,
    system_prompt TEXT NOT NULL,
    parent_id TEXT REFERENCES instances(id),
    depth INTEGER NOT NULL DEFAULT 0,
    allow_delegation INTEGER NOT NULL DEFAULT 0,
    workspace TEXT NOT NULL,
    keep_workspace INTEGER NOT NULL,
    max_total_tokens BIGINT NOT NULL,
    max_cost_nanos BIGINT,
    timeout_minutes DOUBLE PRECISION NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,
    state_reason TEXT NOT NULL,
    state_changed_at TEXT NOT NULL,
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    cache_creation_input_tokens BIGINT NOT NULL,
    cache_creation_1h_input_tokens BIGINT NOT NULL,
    cache_read_input_tokens BIGINT NOT NULL,
    cost_nanos BIGINT,
    cache_savings_nanos BIGINT DEFAULT 0,
    turns BIGINT NOT NULL,
    total_response_ms BIGINT NOT NULL,
    last_response_ms BIGINT,
    error_count BIGINT NOT NULL,
    last_error TEXT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    backend_state TEXT,
    backend_options TEXT,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    live INTEGER NOT NULL DEFAULT 1,
    expires_at BIGINT NOT NULL DEFAULT 0,
    subtree_tokens BIGINT NOT NULL DEFAULT 0,
    subtree_cost_nanos BIGINT NOT NULL DEFAULT 0,
    held_tokens BIGINT NOT NULL DEFAULT 0,
    held_nanos BIGINT NOT NULL DEFAULT 0,
    node TEXT
  );
  CREATE INDEX instances_parent ON instances(parent_id, live, row_seq);
  CREATE INDEX instances_state ON instances(state, expires_at);
  CREATE INDEX instances_live_created ON instances(live, created_at, row_seq);
  CREATE INDEX instances_created ON instances(created_at, row_seq);
  CREATE INDEX instances_ended ON instances(state_changed_at) WHERE live = 0;
  CREATE INDEX instances_node ON instances(node, live, row_seq);
  CREATE TABLE messages (
    instance_id TEXT NOT NULL REFERENCES instances(id),
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    at TEXT NOT NULL,
    input_tokens BIGINT,
    output_tokens BIGINT,
    cache_creation_input_tokens BIGINT,
    cache_creation_1h_input_tokens BIGINT,
    cache_read_input_tokens BIGINT,
    cost_nanos BIGINT,
    duration_ms BIGINT,
    stop_reason TEXT,
    model TEXT,
    failed INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    tool_calls TEXT,
    retries INTEGER,
    PRIMARY KEY (instance_id, seq)
  );
  CREATE TABLE events (
    instance_id TEXT NOT NULL REFERENCES instances(id),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT,
    PRIMARY KEY (instance_id, seq)
  );
  CREATE TABLE tasks (
    row_seq BIGINT GENERATED ALWAYS AS IDENTITY,
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
  CREATE INDEX tasks_state_created ON tasks(state, created_at, row_seq);
  CREATE INDEX tasks_finished ON tasks(finished_at);
  CREATE TABLE holds (
    id TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    chain TEXT NOT NULL,
    owner TEXT NOT NULL,
    tokens BIGINT NOT NULL,
    nanos BIGINT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX holds_owner ON holds(owner);
  CREATE TABLE owners (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    process_start TEXT NOT NULL,
    started_at TEXT NOT NULL,
    address TEXT,
    heartbeat_at TEXT NOT NULL
  );
  CREATE INDEX owners_heartbeat ON owners(heartbeat_at);
  CREATE TABLE totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    instances BIGINT NOT NULL,
    live BIGINT NOT NULL,
    input_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    cache_creation_input_tokens BIGINT NOT NULL,
    cache_creation_1h_input_tokens BIGINT NOT NULL,
    cache_read_input_tokens BIGINT NOT NULL,
    cost_nanos BIGINT NOT NULL,
    cache_savings_nanos BIGINT NOT NULL,
    unpriced BIGINT NOT NULL,
    held_tokens BIGINT NOT NULL,
    held_nanos BIGINT NOT NULL
  );
  INSERT INTO totals VALUES (1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  CREATE TABLE counters (
    metric TEXT NOT NULL,
    label TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (metric, label)
  );
  INSERT INTO counters (metric, label, value) VALUES ('instances_created', '', 0), ('turns', 'completed', 0), ('turns', 'failed', 0),
    ('tokens', 'input', 0), ('tokens', 'output', 0), ('tokens', 'cache_write', 0), ('tokens', 'cache_read', 0), ('cost_nanos', '', 0);
  ${counterTriggers()}
  `,
  // 2: approvals (SQLite's migration 7): permission asks waiting for an answer from any node.
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
  // 3: evidence (SQLite's migration 8): a completed turn's {evidence, verification} as JSON with its message.
  `
  ALTER TABLE messages ADD COLUMN evidence TEXT;
  `,
  // 4: leased instances by owner (SQLite's migration 9): recovery takes back the leases of a server that is gone.
  `
  CREATE INDEX instances_lease_owner ON instances(lease_owner) WHERE lease_owner IS NOT NULL;
  `,
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

/**
 * The totals and counters kept by triggers in the same transaction as each change, as SQLite's migrations
 * 3 and 4 do: what an instance adds to the totals is added on insert, moved on update, taken away on delete;
 * the counters only ever grow (except tasks by state, which is the number now).
 */
function counterTriggers(): string {
  return `
  CREATE FUNCTION bump_counter(m TEXT, l TEXT, delta BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO counters (metric, label, value) VALUES (m, l, delta) ON CONFLICT (metric, label) DO UPDATE SET value = counters.value + delta;
  $$;
  CREATE FUNCTION instances_counted() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    o instances%ROWTYPE;
    n instances%ROWTYPE;
  BEGIN
    IF TG_OP = 'INSERT' THEN
      n := NEW;
      UPDATE totals SET instances = instances + 1, live = live + n.live, input_tokens = input_tokens + n.input_tokens, output_tokens = output_tokens + n.output_tokens,
        cache_creation_input_tokens = cache_creation_input_tokens + n.cache_creation_input_tokens, cache_creation_1h_input_tokens = cache_creation_1h_input_tokens + n.cache_creation_1h_input_tokens,
        cache_read_input_tokens = cache_read_input_tokens + n.cache_read_input_tokens, cost_nanos = cost_nanos + COALESCE(n.cost_nanos, 0),
        cache_savings_nanos = cache_savings_nanos + COALESCE(n.cache_savings_nanos, 0), unpriced = unpriced + (n.cost_nanos IS NULL)::int WHERE id = 1;
      PERFORM bump_counter('instances_created', '', 1);
      IF n.live = 0 THEN PERFORM bump_counter('instances_ended', n.state_reason, 1); END IF;
      UPDATE counters SET value = value + CASE label WHEN 'input' THEN n.input_tokens WHEN 'output' THEN n.output_tokens
        WHEN 'cache_write' THEN n.cache_creation_input_tokens ELSE n.cache_read_input_tokens END
        WHERE metric = 'tokens' AND n.input_tokens + n.output_tokens + n.cache_creation_input_tokens + n.cache_read_input_tokens > 0;
      IF n.cost_nanos > 0 THEN PERFORM bump_counter('cost_nanos', '', n.cost_nanos); END IF;
      IF n.turns > 0 THEN PERFORM bump_counter('turns', 'completed', n.turns); END IF;
      RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
      o := OLD;
      UPDATE totals SET instances = instances - 1, live = live - o.live, input_tokens = input_tokens - o.input_tokens, output_tokens = output_tokens - o.output_tokens,
        cache_creation_input_tokens = cache_creation_input_tokens - o.cache_creation_input_tokens, cache_creation_1h_input_tokens = cache_creation_1h_input_tokens - o.cache_creation_1h_input_tokens,
        cache_read_input_tokens = cache_read_input_tokens - o.cache_read_input_tokens, cost_nanos = cost_nanos - COALESCE(o.cost_nanos, 0),
        cache_savings_nanos = cache_savings_nanos - COALESCE(o.cache_savings_nanos, 0), unpriced = unpriced - (o.cost_nanos IS NULL)::int WHERE id = 1;
      RETURN NULL;
    END IF;
    o := OLD;
    n := NEW;
    IF (n.live, n.input_tokens, n.output_tokens, n.cache_creation_input_tokens, n.cache_creation_1h_input_tokens, n.cache_read_input_tokens, n.cost_nanos, n.cache_savings_nanos)
       IS DISTINCT FROM (o.live, o.input_tokens, o.output_tokens, o.cache_creation_input_tokens, o.cache_creation_1h_input_tokens, o.cache_read_input_tokens, o.cost_nanos, o.cache_savings_nanos) THEN
      UPDATE totals SET live = live + n.live - o.live, input_tokens = input_tokens + n.input_tokens - o.input_tokens, output_tokens = output_tokens + n.output_tokens - o.output_tokens,
        cache_creation_input_tokens = cache_creation_input_tokens + n.cache_creation_input_tokens - o.cache_creation_input_tokens,
        cache_creation_1h_input_tokens = cache_creation_1h_input_tokens + n.cache_creation_1h_input_tokens - o.cache_creation_1h_input_tokens,
        cache_read_input_tokens = cache_read_input_tokens + n.cache_read_input_tokens - o.cache_read_input_tokens,
        cost_nanos = cost_nanos + COALESCE(n.cost_nanos, 0) - COALESCE(o.cost_nanos, 0),
        cache_savings_nanos = cache_savings_nanos + COALESCE(n.cache_savings_nanos, 0) - COALESCE(o.cache_savings_nanos, 0),
        unpriced = unpriced + (n.cost_nanos IS NULL)::int - (o.cost_nanos IS NULL)::int WHERE id = 1;
    END IF;
    IF o.live = 1 AND n.live = 0 THEN PERFORM bump_counter('instances_ended', n.state_reason, 1); END IF;
    IF (n.input_tokens, n.output_tokens, n.cache_creation_input_tokens, n.cache_read_input_tokens) IS DISTINCT FROM
       (o.input_tokens, o.output_tokens, o.cache_creation_input_tokens, o.cache_read_input_tokens) THEN
      UPDATE counters SET value = value + GREATEST(0, CASE label WHEN 'input' THEN n.input_tokens - o.input_tokens WHEN 'output' THEN n.output_tokens - o.output_tokens
        WHEN 'cache_write' THEN n.cache_creation_input_tokens - o.cache_creation_input_tokens ELSE n.cache_read_input_tokens - o.cache_read_input_tokens END)
        WHERE metric = 'tokens';
    END IF;
    IF n.cost_nanos > o.cost_nanos THEN PERFORM bump_counter('cost_nanos', '', n.cost_nanos - o.cost_nanos); END IF;
    IF n.turns > o.turns THEN PERFORM bump_counter('turns', 'completed', n.turns - o.turns); END IF;
    RETURN NULL;
  END;
  $$;
  CREATE TRIGGER instances_counted AFTER INSERT OR DELETE ON instances FOR EACH ROW EXECUTE FUNCTION instances_counted();
  -- Only updates that set a counted column run it (holds, subtree spend, leases and state alone do not).
  CREATE TRIGGER instances_counted_update AFTER UPDATE OF live, input_tokens, output_tokens, cache_creation_input_tokens, cache_creation_1h_input_tokens,
    cache_read_input_tokens, cost_nanos, cache_savings_nanos, turns ON instances FOR EACH ROW EXECUTE FUNCTION instances_counted();
  CREATE FUNCTION messages_counted() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.role = 'user' AND NEW.failed = 1 AND OLD.failed = 0 THEN PERFORM bump_counter('turns', 'failed', 1); END IF;
    RETURN NULL;
  END;
  $$;
  CREATE TRIGGER messages_counted AFTER UPDATE OF failed ON messages FOR EACH ROW EXECUTE FUNCTION messages_counted();
  CREATE FUNCTION tasks_counted() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      PERFORM bump_counter('tasks', NEW.state, 1);
    ELSIF TG_OP = 'DELETE' THEN
      UPDATE counters SET value = value - 1 WHERE metric = 'tasks' AND label = OLD.state;
    ELSIF NEW.state <> OLD.state THEN
      UPDATE counters SET value = value - 1 WHERE metric = 'tasks' AND label = OLD.state;
      PERFORM bump_counter('tasks', NEW.state, 1);
    END IF;
    RETURN NULL;
  END;
  $$;
  CREATE TRIGGER tasks_counted AFTER INSERT OR UPDATE OR DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION tasks_counted();
  `;
}
