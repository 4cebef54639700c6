/**
 * Rules that depend on the `anthropic-version` request header. Versions are ISO dates, so they
 * compare as strings. A request without the header is treated as the oldest version (the real API
 * would reject it; the simulator stays lenient so hand-written curl calls work).
 */

/** From this version on, the API removed the sampling parameters: sending any of them is a 400. */
export const SAMPLING_REMOVED_IN = '2026-10-21';
const SAMPLING_PARAMETERS = ['temperature', 'top_p', 'top_k'] as const;

/** Why `body` is invalid under `version`, or undefined when it is fine. */
export function versionProblem(version: string | undefined, body: Readonly<Record<string, unknown>>): string | undefined {
  if (version === undefined || version < SAMPLING_REMOVED_IN) return undefined;
  const sent = SAMPLING_PARAMETERS.filter((name) => body[name] !== undefined);
  if (sent.length === 0) return undefined;
  return sent
    .map((name) => `${name}: Extra inputs are not permitted (removed in API version ${SAMPLING_REMOVED_IN})`)
    .join('; ');
}
