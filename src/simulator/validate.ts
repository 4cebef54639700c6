import type { z } from 'zod';

export type Validation<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Parses `input` with `schema`; on failure, one readable line per problem in the API's style
 * (`messages.0.content: ...`), so a client bug is diagnosable from the 400 alone.
 */
export function validate<T>(schema: z.ZodType<T>, input: unknown): Validation<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const lines = result.error.issues.flatMap((issue) => describeIssue(issue, []));
  return { ok: false, message: lines.join('; ') };
}

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

function describeIssue(issue: Issue, base: readonly PathKey[]): string[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union') {
    // A union fails as a whole; the useful message is the one from the branch that got furthest,
    // i.e. the branch whose failure is not just "wrong type at the top".
    const deeper = issue.errors.find((branch) => !branch.every((i) => isTopLevelTypeError(i)));
    if (deeper) return deeper.flatMap((inner) => describeIssue(inner, path));
    const expected = issue.errors.flatMap((branch) => branch.map((i) => expectedOf(i)));
    return [`${label(path)}: Invalid input: expected ${[...new Set(expected)].join(' or ')}`];
  }
  return [`${label(path)}: ${issue.message}`];
}

function isTopLevelTypeError(issue: Issue): boolean {
  return issue.code === 'invalid_type' && issue.path.length === 0;
}

function expectedOf(issue: Issue): string {
  return issue.code === 'invalid_type' ? issue.expected : 'a valid value';
}

function label(path: readonly PathKey[]): string {
  return path.length === 0 ? 'body' : path.map(String).join('.');
}
