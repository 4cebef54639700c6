/** Rates in USD per million tokens, as Anthropic publishes them. */
export interface Rates {
  readonly input: number;
  readonly output: number;
  readonly cacheWrite5m: number;
  readonly cacheWrite1h: number;
  readonly cacheRead: number;
}

export interface ModelPrice extends Rates {
  /** Some models bill a whole request at other rates once its prompt passes a size. */
  readonly above?: { readonly promptTokens: number; readonly rates: Rates };
}

export interface PriceTable {
  /** The date the rates were checked against Anthropic's pricing page. */
  readonly asOf: string;
  readonly source: string;
  readonly models: Readonly<Record<string, ModelPrice>>;
}

function rates(input: number, output: number, cacheRead: number): Rates {
  // Cache writes are 1.25x (5-minute TTL) and 2x (1-hour TTL) of base input on every current model.
  return { input, output, cacheWrite5m: input * 1.25, cacheWrite1h: input * 2, cacheRead };
}

const OPUS_45_TO_5 = rates(5, 25, 0.5);
const SONNET_4 = rates(3, 15, 0.3);

/** The built-in table. Override or extend it with a JSON file (PRICE_TABLE / --price-table). */
export const BUILTIN_PRICE_TABLE: PriceTable = {
  asOf: '2026-11-25',
  source: 'https://platform.claude.com/docs/en/about-claude/pricing',
  models: {
    'claude-fable-5-2': rates(10, 50, 0.25),
    'claude-fable-5-1': rates(10, 50, 0.25),
    'claude-fable-5': rates(10, 50, 1),
    'claude-mythos-5-2': rates(10, 50, 0.25),
    'claude-mythos-5-1': rates(10, 50, 0.25),
    'claude-mythos-5': rates(10, 50, 1),
    'claude-opus-5-5': rates(4, 20, 0.2),
    'claude-opus-5': OPUS_45_TO_5,
    'claude-opus-4-8': OPUS_45_TO_5,
    'claude-opus-4-7': OPUS_45_TO_5,
    'claude-opus-4-6': OPUS_45_TO_5,
    'claude-opus-4-5': OPUS_45_TO_5,
    'claude-opus-4-1': rates(15, 75, 1.5),
    'claude-opus-4-0': rates(15, 75, 1.5),
    // Sonnet 5.5's cache-read rate was cut from $0.20 to $0.10 on 2026-10-07.
    'claude-sonnet-5-5': rates(2, 10, 0.1),
    'claude-sonnet-5': rates(2, 10, 0.2),
    'claude-sonnet-4-6': SONNET_4,
    'claude-sonnet-4-5': { ...SONNET_4, above: { promptTokens: 200_000, rates: rates(6, 22.5, 0.6) } },
    'claude-sonnet-4-0': SONNET_4,
    // Haiku 5.5 bills the whole request at the higher band once the prompt passes 100k tokens.
    'claude-haiku-5-5': { ...rates(0.1, 0.5, 0.01), above: { promptTokens: 100_000, rates: rates(0.5, 2.5, 0.05) } },
    'claude-haiku-4-5': rates(1, 5, 0.1),
    'claude-3-5-haiku': rates(0.8, 4, 0.08),
    'claude-3-haiku': rates(0.25, 1.25, 0.03),
  },
};
