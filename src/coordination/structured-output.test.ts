import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { extractJsonObject, parseStructured } from './structured-output.js';

describe('extractJsonObject', () => {
  it('reads a bare object', () => {
    expect(extractJsonObject('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
  });

  it('reads a ```json fence surrounded by prose', () => {
    const reply = 'Here is the plan:\n```json\n{"subtasks":[{"id":"t1"}]}\n```\nLet me know.';
    expect(extractJsonObject(reply)).toEqual({ ok: true, value: { subtasks: [{ id: 't1' }] } });
  });

  it('reads an object inside prose, braces within strings included', () => {
    const reply = 'Sure! {"vote":"P2","reason":"it handles {edge} cases"} Hope that helps.';
    expect(extractJsonObject(reply)).toEqual({ ok: true, value: { vote: 'P2', reason: 'it handles {edge} cases' } });
  });

  it('skips braces that are not JSON and takes the first object that is', () => {
    const reply = 'In code we write `if (x) { y(); }`, and my answer is {"vote": 1}.';
    expect(extractJsonObject(reply)).toEqual({ ok: true, value: { vote: 1 } });
  });

  it('explains when there is no object or the braces hold no valid JSON', () => {
    expect(extractJsonObject('I prefer the second one.')).toEqual({ ok: false, errors: [expect.stringMatching(/no JSON object/)] });
    expect(extractJsonObject('{vote: P2}')).toEqual({ ok: false, errors: [expect.stringMatching(/not valid JSON/)] });
    expect(extractJsonObject('[1, 2]')).toMatchObject({ ok: false });
  });
});

describe('parseStructured', () => {
  it('names the field at fault', () => {
    const parsed = parseStructured(z.object({ vote: z.string() }), '{"vote": true}');
    expect(parsed).toEqual({ ok: false, errors: [expect.stringMatching(/^vote: /)] });
  });
});
