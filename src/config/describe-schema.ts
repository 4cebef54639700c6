import type { z } from 'zod';

/** What a setting takes, read from its schema, so `--help` and error messages can't drift from validation. */
export interface ValueShape {
  /** "an integer from 0 to 65535", "one of 5m, 1h"; undefined when the schema has its own messages (tokens, host lists). */
  readonly takes: string | undefined;
  /** Shown after the flag in help: N, URL, 5m|1h. Empty for a boolean, which is a bare flag. */
  readonly placeholder: string;
  /** A switch: `--flag` alone means on, `--no-flag` off. */
  readonly boolean: boolean;
}

/** In the order a message lists them (an enum's own order puts '0' and '1' first). */
const BOOLEAN_WORDS = ['true', 'false', 'on', 'off', '1', '0'];

interface Introspectable {
  readonly _zod: { readonly def: { readonly type: string; readonly in?: z.ZodType; readonly out?: z.ZodType } };
  readonly minValue?: number | null;
  readonly maxValue?: number | null;
  readonly isInt?: boolean;
  readonly options?: readonly unknown[];
  readonly format?: string | null;
}

/** Reads the shape of a setting's schema: numbers with their bounds, enums with their options, URLs, text. */
export function describeSchema(schema: z.ZodType): ValueShape {
  const s = schema as unknown as Introspectable;
  const type = s._zod.def.type;
  if (type === 'pipe') {
    // An enum read into a value (PROMPT_CACHING on → true), or text read into an enum (LOG_LEVEL, any case), takes
    // what the enum takes; other pipes (token and host lists) have their own messages.
    const enumSide = [s._zod.def.in, s._zod.def.out].find((side) => side && (side as unknown as Introspectable)._zod.def.type === 'enum');
    return enumSide ? describeSchema(enumSide) : { takes: undefined, placeholder: 'LIST', boolean: false };
  }
  if (type === 'enum') {
    const options = (s.options ?? []).map(String);
    if (options.every((o) => BOOLEAN_WORDS.includes(o))) return { takes: `one of ${BOOLEAN_WORDS.filter((w) => options.includes(w)).join(', ')}`, placeholder: '', boolean: true };
    return { takes: `one of ${options.join(', ')}`, placeholder: options.join('|'), boolean: false };
  }
  if (type === 'number') return { takes: numberText(schema, s), placeholder: 'N', boolean: false };
  if (type === 'string' && s.format === 'url') return { takes: 'a URL such as http://127.0.0.1:8002', placeholder: 'URL', boolean: false };
  if (type === 'string') return { takes: 'a non-empty value', placeholder: 'VALUE', boolean: false };
  return { takes: undefined, placeholder: 'VALUE', boolean: false };
}

function numberText(schema: z.ZodType, s: Introspectable): string {
  const kind = s.isInt ? 'an integer' : 'a number';
  const min = s.minValue ?? -Infinity;
  const max = s.maxValue ?? Infinity;
  const bounded = Number.isFinite(max) && max < Number.MAX_SAFE_INTEGER;
  // positive() reports 0 as its bound, exclusively: ask the schema rather than its internals.
  if (min === 0 && !schema.safeParse('0').success) return bounded ? `${kind} above 0 and at most ${max}` : `a positive number`;
  if (Number.isFinite(min) && bounded) return `${kind} from ${min} to ${max}`;
  if (Number.isFinite(min)) return `${kind} of ${min} or more`;
  return bounded ? `${kind} of at most ${max}` : kind;
}
