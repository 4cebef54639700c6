import { OrchestratorError } from '../../domain/errors.js';

/** A retry-after hold in force: when new calls may go again, and what the server asked for. */
export interface HoldState {
  /** Wall-clock ms when this server lets new model calls go again (the hold, capped). */
  readonly liftsAtWallMs: number;
  /** Wall-clock ms until which the server asked us to wait (retry-after, uncapped). */
  readonly askedUntilWallMs: number;
  /** The server's retry-after, in ms. */
  readonly askedMs: number;
  /** True when the hold was cut short of the server's wait by the hold cap. */
  readonly capped: boolean;
}

/**
 * The honest refusal of a model call that a retry-after hold would keep waiting longer than it can: it
 * says when to try again. `not_sent` marks it as never having reached the API, so it does not count
 * against the instance's health (turn-end.ts). Code `backend_unavailable`: HTTP 503, a tool error.
 */
export function holdRefusal(hold: HoldState, nowWallMs: number): OrchestratorError {
  const retryAfterSeconds = Math.max(1, Math.ceil((hold.liftsAtWallMs - nowWallMs) / 1000));
  const asked = `The Messages API asked to wait until ${clockTime(hold.askedUntilWallMs)} (retry-after ${Math.ceil(hold.askedMs / 1000)} s)`;
  const lifts = clockTime(hold.liftsAtWallMs);
  const message = hold.capped
    ? `${asked}; this server holds new model calls only until ${lifts} (a hold is capped at API_RETRY_MAX_SECONDS) and then tries one, but this call cannot wait that long, so it was not sent. Try again after ${lifts}.`
    : `${asked}; this call cannot wait that long, so it was not sent. Try again after ${lifts}.`;
  return new OrchestratorError('backend_unavailable', message, {
    retry_after_seconds: retryAfterSeconds,
    retry_at: new Date(hold.liftsAtWallMs).toISOString(),
    api_retry_after_seconds: Math.ceil(hold.askedMs / 1000),
    not_sent: true,
  });
}

/** HH:MM:SS UTC. */
export function clockTime(wallMs: number): string {
  return `${new Date(wallMs).toISOString().slice(11, 19)} UTC`;
}
