import type { ServerResponse } from 'node:http';
import { HttpError, sendError } from './http-json.js';

/** What the REST routes share: reading query parameters and path segments, and refusing other methods. */

/** An integer query parameter, or undefined when absent; 400 naming the parameter when it is not one. */
export function integerParam(url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name);
  if (value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new HttpError(400, 'invalid_input', `Query parameter ${name} must be an integer, got ${JSON.stringify(value)}.`);
  return n;
}

/** `{limit, offset}` from the query, each only when given (the operation applies its defaults). */
export function pageParams(url: URL): { limit?: number; offset?: number } {
  const limit = integerParam(url, 'limit');
  const offset = integerParam(url, 'offset');
  return { ...(limit !== undefined ? { limit } : {}), ...(offset !== undefined ? { offset } : {}) };
}

/** True when `method` is allowed; else answers 405 with the Allow header and returns false. */
export function only(method: string, allowed: string[], res: ServerResponse): boolean {
  if (allowed.includes(method)) return true;
  res.setHeader('allow', allowed.join(', '));
  sendError(res, 405, 'method_not_allowed', `Use ${allowed.join(' or ')} on this path.`);
  return false;
}

export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    throw new HttpError(400, 'invalid_input', `Malformed percent-encoding in the path: ${(error as Error).message}`);
  }
}
