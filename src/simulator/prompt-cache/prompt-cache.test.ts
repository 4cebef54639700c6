import { describe, expect, it } from 'vitest';
import { countInputTokens, countTextTokens, MESSAGE_OVERHEAD_TOKENS } from '../token-count.js';
import type { ContentBlockParam, ParsedRequest } from '../wire-types.js';
import { minimumCacheableTokens } from './cache-minimums.js';
import { LOOKBACK_BLOCKS, PromptCache, type CacheUsage } from './prompt-cache.js';
import { promptUnits, type PromptUnit } from './prompt-units.js';

const MODEL = 'claude-sonnet-5-5';
const EPHEMERAL = { type: 'ephemeral' } as const;
/** 2,000 tokens: past Sonnet's 1,024-token minimum on its own. */
const LONG_SYSTEM = 'x'.repeat(8_000);

function request(fields: Partial<ParsedRequest>): ParsedRequest {
  return { model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...fields };
}

function units(body: ParsedRequest): PromptUnit[] {
  const result = promptUnits(body);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

function problem(body: ParsedRequest): string {
  const result = promptUnits(body);
  return result.ok ? '' : result.message;
}

/** A conversation with a cached system prompt and a breakpoint on its last message, as the api backend sends it. */
function conversation(turns: readonly string[], system = LONG_SYSTEM): ParsedRequest {
  const messages: ParsedRequest['messages'] = [];
  turns.forEach((text, i) => {
    if (i > 0) messages.push({ role: 'assistant', content: `reply ${i}` });
    messages.push({ role: 'user', content: text });
  });
  const last = messages.at(-1);
  if (last) messages[messages.length - 1] = { role: 'user', content: [{ type: 'text', text: String(last.content), cache_control: EPHEMERAL }] };
  return request({ system: [{ type: 'text', text: system, cache_control: EPHEMERAL }], messages });
}

function plain(total: number): CacheUsage {
  return { inputTokens: total, cacheCreation5mInputTokens: 0, cacheCreation1hInputTokens: 0, cacheReadInputTokens: 0 };
}

describe('prompt units', () => {
  it('split a request into tools, system blocks and message blocks whose tokens sum to the input count', () => {
    const body = request({
      tools: [{ name: 'read_file', description: 'Reads a file', input_schema: { type: 'object' }, cache_control: EPHEMERAL }],
      system: [{ type: 'text', text: 'You are terse.' }, { type: 'text', text: 'Use British spelling.', cache_control: EPHEMERAL }],
      messages: [
        { role: 'user', content: 'Read the config' },
        { role: 'assistant', content: [{ type: 'text', text: 'Reading.' }, { type: 'tool_use', id: 't1', name: 'read_file', input: { path: 'a' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'port=1' }] },
        { role: 'assistant', content: [] },
      ],
    });
    const split = units(body);
    expect(split).toHaveLength(1 + 2 + 1 + 2 + 1 + 1);
    expect(split.reduce((sum, unit) => sum + unit.tokens, 0)).toBe(countInputTokens(body));
    expect(split.map((unit) => unit.breakpoint)).toEqual(['5m', undefined, '5m', undefined, undefined, undefined, undefined, undefined]);
  });

  it('treat a string as the same text block, and ignore cache_control, so history sent as strings matches its cache', () => {
    const asString = units(request({ system: 'Be brief.', messages: [{ role: 'user', content: 'hello' }] }));
    const asBlocks = units(request({ system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral', ttl: '1h' } }], messages: [{ role: 'user', content: [{ type: 'text', text: 'hello', cache_control: EPHEMERAL }] }] }));
    expect(asBlocks.map((unit) => unit.key)).toEqual(asString.map((unit) => unit.key));
    expect(asBlocks.map((unit) => unit.tokens)).toEqual(asString.map((unit) => unit.tokens));
    expect(asBlocks.map((unit) => unit.breakpoint)).toEqual(['1h', '5m']);
  });

  it('put the top-level (automatic) cache_control on the last block', () => {
    const split = units(request({ cache_control: { type: 'ephemeral', ttl: '1h' }, system: 'Be brief.' }));
    expect(split.map((unit) => unit.breakpoint)).toEqual([undefined, '1h']);
  });

  it('refuse what the API refuses: over four breakpoints, a bad type or TTL, 1h after 5m, an empty cached block', () => {
    const five = [1, 2, 3, 4, 5].map((i) => ({ type: 'text' as const, text: `block ${i}`, cache_control: EPHEMERAL }));
    expect(problem(request({ system: five }))).toBe('A maximum of 4 blocks with cache_control may be provided. Found 5.');
    expect(problem(request({ system: [{ type: 'text', text: 'a', cache_control: { type: 'persistent' } }] }))).toBe("system.0.cache_control.type: Input should be 'ephemeral'");
    expect(problem(request({ system: [{ type: 'text', text: 'a', cache_control: { type: 'ephemeral', ttl: '2h' } }] }))).toBe("system.0.cache_control.ttl: Input should be '5m' or '1h'");
    const mixed = request({ system: [{ type: 'text', text: 'a', cache_control: EPHEMERAL }], messages: [{ role: 'user', content: [{ type: 'text', text: 'b', cache_control: { type: 'ephemeral', ttl: '1h' } }] }] });
    expect(problem(mixed)).toMatch(/ttl '1h' must come before any with ttl '5m'/);
    expect(problem(request({ messages: [{ role: 'user', content: [{ type: 'text', text: '', cache_control: EPHEMERAL }] }] }))).toMatch(/empty text blocks/);
  });
});

describe('prompt cache', () => {
  const clock = { ms: 0 };
  const now = () => clock.ms;

  function account(cache: PromptCache, body: ParsedRequest, model = MODEL): CacheUsage {
    const plan = cache.plan(model, units(body));
    plan.commit();
    return plan.usage;
  }

  it('writes the prefix up to the last breakpoint, then reads it back as the conversation grows', () => {
    clock.ms = 0;
    const cache = new PromptCache(now);
    const system = countTextTokens(LONG_SYSTEM);
    const user = (text: string) => MESSAGE_OVERHEAD_TOKENS + countTextTokens(text);

    const first = conversation(['Design the API']);
    expect(account(cache, first)).toEqual({ inputTokens: 0, cacheCreation5mInputTokens: system + user('Design the API'), cacheCreation1hInputTokens: 0, cacheReadInputTokens: 0 });

    const second = conversation(['Design the API', 'Add auth']);
    expect(account(cache, second)).toEqual({
      inputTokens: 0,
      cacheCreation5mInputTokens: user('reply 1') + user('Add auth'),
      cacheCreation1hInputTokens: 0,
      cacheReadInputTokens: system + user('Design the API'),
    });
    expect(countInputTokens(second)).toBe(system + user('Design the API') + user('reply 1') + user('Add auth'));
  });

  it('leaves the part after the last breakpoint uncached', () => {
    const cache = new PromptCache(now);
    const body = request({ system: [{ type: 'text', text: LONG_SYSTEM, cache_control: EPHEMERAL }], messages: [{ role: 'user', content: 'Design the API' }] });
    const usage = account(cache, body);
    expect(usage.cacheCreation5mInputTokens).toBe(countTextTokens(LONG_SYSTEM));
    expect(usage.inputTokens).toBe(MESSAGE_OVERHEAD_TOKENS + countTextTokens('Design the API'));
    expect(account(cache, body).cacheReadInputTokens).toBe(countTextTokens(LONG_SYSTEM));
  });

  it('caches nothing below the model minimum', () => {
    const cache = new PromptCache(now);
    const short = conversation(['hi'], 'Be brief.');
    expect(account(cache, short)).toEqual(plain(countInputTokens(short)));
    expect(account(cache, short)).toEqual(plain(countInputTokens(short)));
    expect(cache.size).toBe(0);
  });

  it('uses the minimum of the model family', () => {
    expect(minimumCacheableTokens('claude-sonnet-5-5')).toBe(1_024);
    expect(minimumCacheableTokens('claude-opus-5')).toBe(512);
    expect(minimumCacheableTokens('claude-haiku-4-5-20251001')).toBe(4_096);
    expect(minimumCacheableTokens('claude-3-5-haiku')).toBe(2_048);
    const cache = new PromptCache(now);
    // 2,000 tokens: enough for Sonnet, not for Haiku 4.5.
    expect(account(cache, conversation(['hi']), 'claude-haiku-4-5').cacheCreation5mInputTokens).toBe(0);
    expect(account(cache, conversation(['hi']), 'claude-sonnet-5-5').cacheCreation5mInputTokens).toBeGreaterThan(0);
  });

  it('keeps models apart', () => {
    const cache = new PromptCache(now);
    account(cache, conversation(['hi']), 'claude-sonnet-5-5');
    expect(account(cache, conversation(['hi']), 'claude-opus-5').cacheReadInputTokens).toBe(0);
  });

  it('expires an entry after its TTL, counted from its last write or read', () => {
    clock.ms = 0;
    const cache = new PromptCache(now);
    const body = conversation(['hi']);
    account(cache, body);
    clock.ms = 4 * 60_000;
    expect(account(cache, body).cacheReadInputTokens).toBe(countInputTokens(body)); // and refreshed
    clock.ms = 8 * 60_000;
    expect(account(cache, body).cacheReadInputTokens).toBe(countInputTokens(body));
    clock.ms = 13 * 60_000 + 1;
    expect(account(cache, body).cacheReadInputTokens).toBe(0);
  });

  it('reports 1-hour writes apart from 5-minute ones, and keeps them for an hour', () => {
    clock.ms = 0;
    const cache = new PromptCache(now);
    const body = request({
      system: [{ type: 'text', text: LONG_SYSTEM, cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Design the API', cache_control: EPHEMERAL }] }],
    });
    const user = MESSAGE_OVERHEAD_TOKENS + countTextTokens('Design the API');
    expect(account(cache, body)).toEqual({ inputTokens: 0, cacheCreation5mInputTokens: user, cacheCreation1hInputTokens: countTextTokens(LONG_SYSTEM), cacheReadInputTokens: 0 });
    clock.ms = 30 * 60_000;
    expect(account(cache, body)).toEqual({ inputTokens: 0, cacheCreation5mInputTokens: user, cacheCreation1hInputTokens: 0, cacheReadInputTokens: countTextTokens(LONG_SYSTEM) });
  });

  it(`finds an earlier prefix only within ${LOOKBACK_BLOCKS} blocks before a breakpoint`, () => {
    const cache = new PromptCache(now);
    // One message: 'start', then `tail` more blocks; only the last block carries the breakpoint.
    const withTail = (tail: number): ParsedRequest => {
      const content: ContentBlockParam[] = ['start', ...Array.from({ length: tail }, (_, i) => `part ${i}`)].map((text) => ({ type: 'text', text }));
      content[content.length - 1] = { ...content[content.length - 1], type: 'text', cache_control: EPHEMERAL };
      return request({ system: [{ type: 'text', text: LONG_SYSTEM }], messages: [{ role: 'user', content }] });
    };
    const cached = account(cache, withTail(0)).cacheCreation5mInputTokens;
    expect(account(cache, withTail(LOOKBACK_BLOCKS)).cacheReadInputTokens).toBe(cached);
    cache.clear();
    account(cache, withTail(0));
    expect(account(cache, withTail(LOOKBACK_BLOCKS + 1)).cacheReadInputTokens).toBe(0);
  });

  it('writes nothing for a request that never commits (it failed)', () => {
    const cache = new PromptCache(now);
    cache.plan(MODEL, units(conversation(['hi'])));
    expect(cache.size).toBe(0);
    expect(account(cache, conversation(['hi'])).cacheReadInputTokens).toBe(0);
  });
});
