import { SqliteStore } from './sqlite/sqlite-store.js';

/**
 * A store that keeps nothing after the process ends: SQLite in memory. The same code, indexes and counters
 * as the durable store, so what is tested on one holds for the other; for tests and throwaway library use.
 */
export class MemoryStore extends SqliteStore {
  constructor() {
    super(':memory:');
  }
}
