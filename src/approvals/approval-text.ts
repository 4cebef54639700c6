import type { PermissionRequest } from '../backends/backend.js';
import type { AgentPathEntry, ApprovalDecision } from '../store/approvals.js';

/** What each answer is called where a person picks one (elicitation form, dashboard buttons). */
export const DECISION_TITLES: Readonly<Record<ApprovalDecision, string>> = {
  allow_once: 'Allow once',
  allow_instance: 'Allow for this instance (this tool, from now on)',
  deny: 'Deny',
};

/** The chain that asks, root first: "Lead (inst_…) → Coder (inst_…)". */
export function describePath(path: readonly AgentPathEntry[]): string {
  return path.map((entry) => `${entry.name} (${entry.id})`).join(' → ');
}

/** The question as a person reads it: who asks, for which tool, why, and with what input (shortened). */
export function approvalMessage(request: PermissionRequest): string {
  const who = request.agentPath ?? 'A Claude Code agent';
  return `${who} asks to use ${request.tool}: ${request.reason}\n\nInput: ${JSON.stringify(request.input ?? null).slice(0, 1_000)}`;
}
