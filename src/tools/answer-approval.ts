import { answerApprovalSchema, parseAnswer } from '../approvals/approval-input.js';
import { approvalsOutput } from './output-schemas.js';
import { defineTool } from './tool-definition.js';

export const answerApprovalTool = defineTool({
  name: 'answer_approval',
  title: 'Answer a permission ask',
  description:
    "Answer a claude-code agent's pending permission ask (any depth; asks no client could answer wait here until APPROVAL_TIMEOUT_SECONDS, then are denied): allow_once, allow_instance (this tool, for the instance's life) or deny. No arguments: list pending asks.",
  inputSchema: answerApprovalSchema,
  outputSchema: approvalsOutput,
  annotations: { readOnlyHint: false, openWorldHint: false },
  run: async (orchestrator, raw) => {
    const input = parseAnswer(raw);
    return input.list ? { approvals: await orchestrator.approvals.pending() } : { approval: await orchestrator.approvals.answer(input.id, input.decision) };
  },
});
