import type { ApprovalView } from '../approvals/approval-view.js';
import { stripControls } from '../text/terminal-safe.js';

/** Longest input shown on a line; --json has all of it. */
const INPUT_WIDTH = 80;

/**
 * `status`'s section of pending permission asks, one line each: id, tool, who asks (root → … → agent),
 * the input (shortened), and until when it waits. Empty when none waits. Agent names and inputs are the
 * callers' text: control characters are removed and line breaks flattened.
 */
export function renderApprovals(approvals: readonly ApprovalView[]): string {
  if (approvals.length === 0) return '';
  const lines = approvals.map((a) => {
    const input = line(JSON.stringify(a.input ?? null));
    const shown = input.length <= INPUT_WIDTH ? input : `${input.slice(0, INPUT_WIDTH - 1)}…`;
    return `  ${a.approval_id}  ${line(a.tool)}  ${line(a.agent_path)}  ${shown}  (denied at ${a.expires_at} unless answered)`;
  });
  return [`Pending approvals (${approvals.length}): answer with the answer_approval tool, POST /approvals/<id> {"decision": "allow_once" | "allow_instance" | "deny"}, or the dashboard`, ...lines].join('\n');
}

function line(text: string): string {
  return stripControls(text).replace(/\s/g, ' ');
}
