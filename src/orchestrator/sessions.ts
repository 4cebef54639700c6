import type { Session, SessionSpec } from '../backends/backend.js';
import type { InstanceRecord } from '../domain/instance.js';
import type { BackendSet } from './backend-set.js';

/** The open backend sessions of this server, one per instance that ran here; the store holds everything else. */
export class Sessions {
  readonly #open = new Map<string, Session>();

  constructor(private readonly backends: BackendSet) {}

  /** The instance's session, opened (or resumed from its saved state) on first use here. */
  async of(record: InstanceRecord): Promise<Session> {
    const existing = this.#open.get(record.id);
    if (existing) return existing;
    const session = await (await this.backends.ready(record.backend)).start(sessionSpec(record));
    // Two sends racing to open one session: the first one kept wins, the other is closed.
    const raced = this.#open.get(record.id);
    if (raced) {
      await session.close();
      return raced;
    }
    this.#open.set(record.id, session);
    return session;
  }

  /** Keeps a session opened at spawn. */
  add(id: string, session: Session): void {
    this.#open.set(id, session);
  }

  /** Removes and returns the instance's open session, if any (terminate). */
  take(id: string): Session | undefined {
    const session = this.#open.get(id);
    this.#open.delete(id);
    return session;
  }

  /** Closes every open session (shutdown): instances stay resumable. */
  async closeAll(): Promise<void> {
    const sessions = [...this.#open.values()];
    this.#open.clear();
    await Promise.allSettled(sessions.map((s) => s.close()));
  }
}

/** What a backend needs to start or resume an instance's conversation. */
export function sessionSpec(record: InstanceRecord): SessionSpec {
  return {
    instanceId: record.id,
    model: record.model,
    systemPrompt: record.systemPrompt,
    workspace: record.workspace,
    backendState: record.backendState,
    options: record.backendOptions ? (JSON.parse(record.backendOptions) as Record<string, unknown>) : {},
  };
}
