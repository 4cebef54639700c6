import type { CoordinationContext, CoordinationPort, ParticipantInfo, ProgressUpdate, TurnOutcome } from '../coordination/types.js';
import { OrchestratorError } from '../domain/errors.js';
import type { UsageView } from '../domain/usage.js';
import { rejectOnAbort } from '../async/reject-on-abort.js';

export interface FakeCall {
  readonly instanceId: string;
  readonly message: string;
  /** 0-based arrival order among all calls. */
  readonly index: number;
}

/** Answers one call; may return a promise to hold the turn open until the test lets it go. */
export type Responder = (call: FakeCall) => string | Promise<string>;

/** Every fake turn costs this much, so sums are easy to check. */
export const FAKE_USAGE: UsageView = Object.freeze({ input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, total_tokens: 15 });

/** A promise with its resolve function outside, to hold a turn until the test releases it. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * A scripted `CoordinationPort` for strategy tests: answers from per-instance responders, records every
 * call and how many are in flight, fails chosen instances, and honours the abort signal like the real one.
 */
export class FakePort implements CoordinationPort {
  readonly calls: FakeCall[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** The cost of every turn; null models an unpriced model. */
  costUsd: number | null = 0.001;
  readonly #members = new Map<string, ParticipantInfo>();
  readonly #children = new Map<string, ParticipantInfo[]>();
  readonly #responders = new Map<string, Responder>();
  readonly #failures = new Map<string, Error>();
  readonly #watchers: Array<{ ready: () => boolean; resolve: () => void }> = [];

  constructor(members: readonly ParticipantInfo[]) {
    for (const m of members) this.#members.set(m.instance_id, m);
  }

  /** Members `a`, `b`, ... from "name:role" specs, e.g. `FakePort.team('ana:architect', 'bo:debugger')`. */
  static team(...specs: string[]): FakePort {
    return new FakePort(specs.map(member));
  }

  /** Adds live children under `parentId` (they become members too). */
  addChildren(parentId: string, ...specs: string[]): ParticipantInfo[] {
    const kids = specs.map(member);
    for (const k of kids) this.#members.set(k.instance_id, k);
    this.#children.set(parentId, [...(this.#children.get(parentId) ?? []), ...kids]);
    return kids;
  }

  /** How `instanceId` answers: a fixed text or a responder. Unscripted instances echo who they are. */
  script(instanceId: string, answer: string | Responder): this {
    this.#responders.set(instanceId, typeof answer === 'string' ? () => answer : answer);
    return this;
  }

  /** Every turn of `instanceId` fails with `error` (a backend error by default). */
  fail(instanceId: string, error: Error = new OrchestratorError('backend_error', `The API failed for ${instanceId}.`)): this {
    this.#failures.set(instanceId, error);
    return this;
  }

  callsTo(instanceId: string): FakeCall[] {
    return this.calls.filter((c) => c.instanceId === instanceId);
  }

  /** Resolves once `n` turns are in flight at the same time. */
  whenInFlight(n: number): Promise<void> {
    return this.#when(() => this.inFlight >= n);
  }

  /** Resolves once `n` calls have arrived in all. */
  whenCalls(n: number): Promise<void> {
    return this.#when(() => this.calls.length >= n);
  }

  async describe(instanceId: string): Promise<ParticipantInfo> {
    return this.#member(instanceId);
  }

  async childrenOf(instanceId: string): Promise<readonly ParticipantInfo[]> {
    return this.#children.get(instanceId) ?? [];
  }

  #member(instanceId: string): ParticipantInfo {
    const m = this.#members.get(instanceId);
    if (!m) throw new OrchestratorError('not_found', `Instance not found: ${instanceId}`);
    return m;
  }

  async send(instanceId: string, message: string, signal: AbortSignal): Promise<TurnOutcome> {
    if (signal.aborted) throw new OrchestratorError('cancelled', 'Cancelled before the turn started.');
    const call: FakeCall = { instanceId, message, index: this.calls.length };
    this.calls.push(call);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.#notify();
    try {
      const failure = this.#failures.get(instanceId);
      if (failure) throw failure;
      const responder = this.#responders.get(instanceId) ?? ((c: FakeCall) => `reply ${c.index} from ${this.#member(instanceId).name}`);
      const reply = await untilAborted(Promise.resolve(responder(call)), signal);
      return { instance_id: instanceId, reply, usage: { ...FAKE_USAGE }, cost_usd: this.costUsd, duration_ms: 1 };
    } finally {
      this.inFlight -= 1;
    }
  }

  #when(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => this.#watchers.push({ ready, resolve }));
  }

  #notify(): void {
    for (const w of [...this.#watchers]) {
      if (!w.ready()) continue;
      this.#watchers.splice(this.#watchers.indexOf(w), 1);
      w.resolve();
    }
  }
}

/** A context over `port` that records progress; abort with `controller`. */
export function fakeContext(port: CoordinationPort, maxConcurrency = 8): CoordinationContext & { readonly updates: ProgressUpdate[]; readonly controller: AbortController } {
  const controller = new AbortController();
  const updates: ProgressUpdate[] = [];
  return { port, signal: controller.signal, maxConcurrency, controller, updates, progress: (u) => void updates.push(u) };
}

function member(spec: string): ParticipantInfo {
  const [name = spec, role = 'general'] = spec.split(':');
  return { instance_id: `inst_${name}`, name, role };
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return rejectOnAbort(promise, signal, () => new OrchestratorError('cancelled', 'The turn was cancelled.'));
}
