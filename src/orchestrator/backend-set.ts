import type { Backend } from '../backends/backend.js';
import { BACKENDS, findBackend, type BackendContext, type BackendDescriptor } from '../backends/registry.js';
import { OrchestratorError } from '../domain/errors.js';

/**
 * The backends of one orchestrator: those passed in (a library user's, a test's) and the registry's, each
 * built on first use (so the Anthropic SDK or the agent code load only when an instance needs them).
 */
export class BackendSet {
  readonly #given: ReadonlyMap<string, Backend>;
  readonly #context: BackendContext;
  readonly #loading = new Map<string, Promise<Backend>>();
  readonly #loaded = new Map<string, Backend>();

  constructor(given: Readonly<Record<string, Backend>>, context: BackendContext) {
    this.#given = new Map(Object.entries(given));
    this.#context = context;
    for (const [kind, backend] of this.#given) this.#loaded.set(kind, backend);
  }

  /** The registry entry of a kind (its options, capabilities, prompt overhead); throws `not_configured` for an unknown kind. */
  descriptor(kind: string): BackendDescriptor {
    const descriptor = findBackend(kind);
    if (!descriptor) throw new OrchestratorError('not_configured', `The ${kind} backend is not available in this server.`);
    return descriptor;
  }

  /** The backend of a kind, built on first use. */
  get(kind: string): Promise<Backend> {
    const ready = this.#loaded.get(kind);
    if (ready) return Promise.resolve(ready);
    let loading = this.#loading.get(kind);
    if (!loading) {
      loading = this.descriptor(kind)
        .load(this.#context)
        .then((backend) => {
          this.#loaded.set(kind, backend);
          return backend;
        });
      // A failed load (a broken install) is tried again next time rather than remembered.
      loading.catch(() => this.#loading.delete(kind));
      this.#loading.set(kind, loading);
    }
    return loading;
  }

  /** The backend of a kind, checked ready to run (e.g. it has credentials); throws `not_configured` saying what to set. */
  async ready(kind: string): Promise<Backend> {
    const backend = await this.get(kind);
    backend.assertReady();
    return backend;
  }

  /** Backends built so far (health checks and shutdown need no others), plus those with leftovers of a dead server to clean up. */
  async active(): Promise<Backend[]> {
    const kinds = BACKENDS.filter((b) => !this.#loaded.has(b.kind) && b.hasLeftovers?.(this.#context.config)).map((b) => b.kind);
    await Promise.all(kinds.map((kind) => this.get(kind)));
    return [...this.#loaded.values()];
  }

  /** Backends built so far. */
  loaded(): Backend[] {
    return [...this.#loaded.values()];
  }
}
