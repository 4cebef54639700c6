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
];

export const SCHEMA_VERSION = MIGRATIONS.length;
