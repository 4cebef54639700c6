import { storePath, type Config } from '../config/load-config.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';
import { isPostgresUrl } from './store-location.js';

/**
 * The store the settings name: PostgreSQL when ORCHESTRATOR_DB is a `postgres://` or `postgresql://` URL (many
 * nodes on one database), otherwise the SQLite file at ORCHESTRATOR_DB or under WORKSPACE_DIR (the default).
 * `pg` is loaded only by a PostgreSQL store, when it opens.
 */
export function openStore(config: Config): Store {
  const location = storePath(config);
  return isPostgresUrl(location) ? new PostgresStore(location) : new SqliteStore(location, { durable: config.dbDurable });
}
