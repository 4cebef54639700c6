import { describe, expect, it } from 'vitest';
import { inputJsonSchema, TOOLS } from '../tools/registry.js';

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  maxLength?: number;
  maxItems?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
}

/** Every place in a tool's input where a value could be unbounded, as "path: what is missing". */
function unbounded(schema: Schema, path: string): string[] {
  if (schema.enum !== undefined || schema.const !== undefined) return [];
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.flatMap((v, i) => unbounded(v, `${path}|${i}`));
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const problems: string[] = [];
  for (const type of types) {
    if (type === 'string' && schema.maxLength === undefined) problems.push(`${path}: string without maxLength`);
    if (type === 'number' || type === 'integer') {
      // zod gives every integer the safe-integer range; that is not a bound anyone chose.
      const maximum = schema.maximum === Number.MAX_SAFE_INTEGER ? undefined : schema.maximum;
      if (maximum === undefined && schema.exclusiveMaximum === undefined) problems.push(`${path}: number without maximum`);
      if (schema.minimum === undefined && schema.exclusiveMinimum === undefined) problems.push(`${path}: number without minimum`);
    }
    if (type === 'array') {
      if (schema.maxItems === undefined) problems.push(`${path}: array without maxItems`);
      if (schema.items) problems.push(...unbounded(schema.items, `${path}[]`));
    }
    if (type === 'object') {
      if (typeof schema.additionalProperties === 'object') problems.push(`${path}: open record of values`);
      for (const [key, inner] of Object.entries(schema.properties ?? {})) problems.push(...unbounded(inner, `${path}.${key}`));
    }
    if (type === undefined) problems.push(`${path}: value of any type`);
  }
  return problems;
}

describe('tool input bounds', () => {
  it.each(TOOLS.map((t) => [t.name, t] as const))('%s bounds every string, number and array it takes', (_name, tool) => {
    expect(unbounded(inputJsonSchema(tool) as Schema, tool.name)).toEqual([]);
  });

  it('finds what it looks for (the checker itself)', () => {
    expect(
      unbounded({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'array', items: { type: 'number', minimum: 0 } }, c: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } } }, 't'),
    ).toEqual(['t.a: string without maxLength', 't.b: array without maxItems', 't.b[]: number without maximum', 't.c: number without maximum']);
  });
});
