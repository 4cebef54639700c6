import { createHash } from 'node:crypto';
import { minimumCacheableTokens } from './cache-minimums.js';
import type { CacheTtl, PromptUnit } from './prompt-units.js';

/** A request's input tokens split the way the API reports them; the four numbers sum to the total. */
export interface CacheUsage {
  /** Input tokens neither read from nor written to the cache (the API's `input_tokens`). */
  readonly inputTokens: number;
  readonly cacheCreation5mInputTokens: number;
  readonly cacheCreation1hInputTokens: number;
  readonly cacheReadInputTokens: number;
}

export interface CachePlan {
  readonly usage: CacheUsage;
  /**
   * Makes this request's writes and read refreshes real. Call it when the response starts: the API
   * only offers an entry to other requests once the response that wrote it has begun, and a request
   * that fails writes nothing.
   */
  commit(): void;
}

/** How far before a breakpoint the API looks for an earlier cached prefix (in blocks). */
export const LOOKBACK_BLOCKS = 20;

const TTL_MS: Readonly<Record<CacheTtl, number>> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };

interface Entry {
  readonly ttl: CacheTtl;
  readonly expiresAt: number;
}

/**
 * The simulator's prompt cache, following the API's documented rules: an entry is the exact prefix
 * (tools → system → messages) up to a breakpoint, per model; a request reads the longest live prefix
 * found at a breakpoint or up to LOOKBACK_BLOCKS blocks before one; it writes every breakpoint past
 * that read whose prefix reaches the model's minimum cacheable length; an entry lives for its TTL
 * (5 minutes or 1 hour) since it was last written or read.
 */
export class PromptCache {
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Entries still alive now. */
  get size(): number {
    const now = this.#now();
    return [...this.#entries.values()].filter((entry) => entry.expiresAt > now).length;
  }

  clear(): void {
    this.#entries.clear();
  }

  plan(model: string, units: readonly PromptUnit[]): CachePlan {
    const now = this.#now();
    const { keys, tokens } = prefixes(model, units);
    const total = tokens[units.length] ?? 0;
    const breakpoints = units.flatMap((unit, i) => (unit.breakpoint ? [{ at: i + 1, ttl: unit.breakpoint }] : []));

    let readAt = 0;
    for (const { at } of breakpoints) {
      for (let j = at; j >= Math.max(1, at - LOOKBACK_BLOCKS) && j > readAt; j--) {
        if (this.#alive(keys[j], now)) {
          readAt = j;
          break;
        }
      }
    }

    const minimum = minimumCacheableTokens(model);
    const writes = breakpoints.filter(({ at }) => at > readAt && (tokens[at] ?? 0) >= minimum);
    const written: Record<CacheTtl, number> = { '5m': 0, '1h': 0 };
    let from = readAt;
    for (const { at, ttl } of writes) {
      written[ttl] += (tokens[at] ?? 0) - (tokens[from] ?? 0);
      from = at;
    }
    const read = tokens[readAt] ?? 0;

    return {
      usage: {
        inputTokens: total - read - written['5m'] - written['1h'],
        cacheCreation5mInputTokens: written['5m'],
        cacheCreation1hInputTokens: written['1h'],
        cacheReadInputTokens: read,
      },
      commit: () => {
        const at = this.#now();
        // A hit refreshes the entry it read, and any breakpoint entry inside the part it read.
        for (const j of [readAt, ...breakpoints.map((b) => b.at).filter((b) => b <= readAt)]) this.#refresh(keys[j], at);
        for (const { at: index, ttl } of writes) this.#set(keys[index], ttl, at);
      },
    };
  }

  #alive(key: string | undefined, now: number): boolean {
    const entry = key === undefined ? undefined : this.#entries.get(key);
    return entry !== undefined && entry.expiresAt > now;
  }

  #refresh(key: string | undefined, now: number): void {
    const entry = key === undefined ? undefined : this.#entries.get(key);
    if (entry && entry.expiresAt > now) this.#set(key as string, entry.ttl, now);
  }

  #set(key: string | undefined, ttl: CacheTtl, now: number): void {
    if (key === undefined) return;
    this.#entries.set(key, { ttl, expiresAt: now + TTL_MS[ttl] });
  }
}

/**
 * For every boundary i (after the first i units): a key naming the exact prefix, chained so each is
 * one hash over the previous key and the next unit, and the prefix's token count.
 */
function prefixes(model: string, units: readonly PromptUnit[]): { keys: string[]; tokens: number[] } {
  const keys: string[] = [`model:${model}`];
  const tokens: number[] = [0];
  units.forEach((unit, i) => {
    keys.push(createHash('sha256').update(keys[i] ?? '').update('\u0000').update(unit.key).digest('hex'));
    tokens.push((tokens[i] ?? 0) + unit.tokens);
  });
  return { keys, tokens };
}
