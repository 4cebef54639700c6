import { errorMessage } from '../domain/errors.js';
import type { z } from 'zod';

export type Structured<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Most `{` positions tried before giving up. A reply full of code has many braces; every candidate costs
 * a scan to its matching `}`, so this bounds the work on a long prose reply.
 */
const MAX_CANDIDATES = 200;

/**
 * The first JSON object in a model's reply. Models wrap JSON in ```json fences or in a sentence of prose
 * despite being asked not to, so fenced blocks are tried first, then every balanced `{...}` in the text.
 */
export function extractJsonObject(text: string): Structured<Record<string, unknown>> {
  let firstParseError: string | undefined;
  for (const source of [...fencedBlocks(text), text]) {
    for (const candidate of braceCandidates(source)) {
      const parsed = parseObject(candidate);
      if (parsed.ok) return parsed;
      firstParseError ??= parsed.errors[0];
    }
  }
  const reason = firstParseError ?? 'the reply contains no JSON object (nothing between { and })';
  return { ok: false, errors: [reason] };
}

/** Extracts the first JSON object and validates it; errors name the field at fault, ready to quote back. */
export function parseStructured<S extends z.ZodType>(schema: S, text: string): Structured<z.output<S>> {
  const extracted = extractJsonObject(text);
  if (!extracted.ok) return extracted;
  const result = schema.safeParse(extracted.value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, errors: result.error.issues.map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`) };
}

function fencedBlocks(text: string): string[] {
  return [...text.matchAll(/```[a-zA-Z]*[^\S\n]*\n?([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

/** Each balanced `{...}` slice, by start position; braces inside JSON strings are skipped. */
function* braceCandidates(text: string): Generator<string> {
  let tried = 0;
  for (let start = text.indexOf('{'); start >= 0 && tried < MAX_CANDIDATES; start = text.indexOf('{', start + 1)) {
    tried += 1;
    const end = matchingBrace(text, start);
    if (end >= 0) yield text.slice(start, end + 1);
  }
}

function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth += 1;
    else if (c === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function parseObject(candidate: string): Structured<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(candidate);
  } catch (error) {
    const reason = errorMessage(error);
    return { ok: false, errors: [`the text between { and } is not valid JSON (${reason})`] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, errors: ['expected a JSON object'] };
  return { ok: true, value: value as Record<string, unknown> };
}
