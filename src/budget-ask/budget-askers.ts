import type { InstanceRecord } from '../domain/instance.js';
import type { StoreReads } from '../store/store.js';
import type { AskBudget } from './budget-question.js';

/**
 * Who answers the budget questions of a turn whose send brought no asker of its own: the client of the
 * nearest ancestor whose turn is running here (the turn that delegated this one, e.g. a parent's
 * message_instance). A turn's asker is known while it runs.
 */
export class BudgetAskers {
  readonly #running = new Map<string, AskBudget>();

  /** Runs `turn` with `ask` known as the asker of `instanceId`'s running turn (its delegated turns ask it too). */
  async during<T>(instanceId: string, ask: AskBudget | undefined, turn: () => Promise<T>): Promise<T> {
    if (!ask) return turn();
    this.#running.set(instanceId, ask);
    try {
      return await turn();
    } finally {
      if (this.#running.get(instanceId) === ask) this.#running.delete(instanceId);
    }
  }

  /** The asker of the nearest ancestor with a turn running here, if any (one read of the chain; none for a root). */
  async ofAncestor(store: Pick<StoreReads, 'chainOf'>, record: InstanceRecord): Promise<AskBudget | undefined> {
    if (record.parentId === null || this.#running.size === 0) return undefined;
    for (const ancestor of (await store.chainOf(record.id)).slice(1)) {
      const ask = this.#running.get(ancestor.id);
      if (ask) return ask;
    }
    return undefined;
  }
}
