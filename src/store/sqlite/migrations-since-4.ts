/**
 * Migrations 4 onward; migrations.ts holds 1-3 and the whole numbered list. Never edit a released migration:
 * add the next one at the end of this list (and a frozen fixture of the version before it, see fixtures/).
 */
export const MIGRATIONS_SINCE_4: readonly string[] = [
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
  // 9: the turn leases a server holds, found by their owner (recovery takes back those of a server that is gone,
  //    whatever the state of their instance): an index of leased instances only, as few as the turns running.
  `
  CREATE INDEX instances_lease_owner ON instances(lease_owner) WHERE lease_owner IS NOT NULL;
  `,
];
