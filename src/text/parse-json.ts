/**
 * The parsed value, or undefined for text that is not JSON: for callers that judge the result themselves (a
 * schema check, an HTTP status) and would say more than a parse error does.
 */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
