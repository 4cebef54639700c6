import type { TurnResult } from '../backends/backend.js';
import { turnEvidence } from './turn-evidence.js';
import type { Evidence, Verification } from './types.js';
import { verifyTurn } from './verify.js';

/** A turn's evidence, and its verification when the agent works through tools. */
export interface TurnProof {
  readonly evidence: Evidence;
  readonly verification?: Verification;
}

/**
 * What a finished turn proves. An agent works through tools when its backend reports the workspace
 * (claude-code: `fileEvidence` is set on every turn) or it was offered the delegation tools; only such a
 * turn is verified or not. A plain api conversation's turn is text: evidence, no verification.
 */
export function turnProof(result: TurnResult, facts: { readonly modelCalls: number; readonly tokens: number; readonly delegating: boolean }): TurnProof {
  const evidence = turnEvidence({ toolCalls: result.toolCalls, files: result.fileEvidence, modelCalls: facts.modelCalls, tokens: facts.tokens });
  if (result.fileEvidence === undefined && !facts.delegating) return { evidence };
  const failed = result.toolCalls.filter((call) => call.isError).length;
  const unverifiedChildren = result.toolCalls.filter((call) => !call.isError && call.childVerification === 'unverified').length;
  return { evidence, verification: verifyTurn(evidence, failed, unverifiedChildren) };
}

/** The warning a send result carries for an unverified turn. */
export function unverifiedWarning(verification: Verification | undefined): string[] {
  return verification?.status === 'unverified' ? [`Unverified: ${verification.reason}.`] : [];
}
