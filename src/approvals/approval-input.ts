import { z } from 'zod';
import { OrchestratorError } from '../domain/errors.js';
import { parseInput } from '../domain/inputs.js';
import { APPROVAL_DECISIONS, type ApprovalDecision } from '../store/approvals.js';

/** answer_approval's input (and the REST body's decision): both fields to answer, neither to list. */
export const answerApprovalSchema = z.strictObject({
  approval_id: z.string().min(1).max(200).optional(),
  decision: z.enum(APPROVAL_DECISIONS).optional(),
});

export type AnswerApprovalInput = z.input<typeof answerApprovalSchema>;

/** What the input asks for: the pending list, or one answer. Half an answer is refused with what is missing. */
export function parseAnswer(raw: unknown): { readonly list: true } | { readonly list: false; readonly id: string; readonly decision: ApprovalDecision } {
  const input = parseInput(answerApprovalSchema, raw);
  if (input.approval_id === undefined && input.decision === undefined) return { list: true };
  if (input.approval_id === undefined) throw new OrchestratorError('invalid_input', 'Invalid input: approval_id is required with a decision (list pending asks by calling answer_approval with no arguments).');
  if (input.decision === undefined) throw new OrchestratorError('invalid_input', `Invalid input: decision is required with approval_id: one of ${APPROVAL_DECISIONS.join(', ')}.`);
  return { list: false, id: input.approval_id, decision: input.decision };
}
