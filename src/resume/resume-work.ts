import type { CoordinateInput, SendInput } from '../domain/inputs.js';
import type { CoordinationPlan, RunOptions } from '../orchestrator/coordination-request.js';
import type { SendResult } from '../orchestrator/results.js';
import type { SendOptions } from '../orchestrator/turn.js';
import type { ProgressReport } from '../tasks/task-registry.js';
import { Replay, type JournalEntry } from '../tasks/turn-journal.js';

/** What running a stored call again needs of the orchestrator: the same operations the tools use. */
export interface ResumeOps {
  prepareCoordination(raw: CoordinateInput): Promise<CoordinationPlan>;
  runCoordination(plan: CoordinationPlan, options: RunOptions): Promise<object>;
  prepareSend(raw: SendInput): Promise<SendInput>;
  sendToInstance(input: SendInput, options: SendOptions): Promise<SendResult>;
}

export type Work = (signal: AbortSignal, report: (update: ProgressReport) => void) => Promise<object>;

/** The call a task was started by (`{tool, arguments}`), when it is one that can be run again. */
export function storedCall(request: unknown): { readonly tool: 'coordinate_instances' | 'send_to_instance'; readonly arguments: Record<string, unknown> } | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const { tool, arguments: args } = request as { tool?: unknown; arguments?: unknown };
  if ((tool !== 'coordinate_instances' && tool !== 'send_to_instance') || typeof args !== 'object' || args === null) return undefined;
  return { tool, arguments: args as Record<string, unknown> };
}

/**
 * The work of a resumed task: its call again, as the tool ran it. A coordination reuses the turns it had
 * finished (`journal`) and asks only the rest; a send runs its turn (it had not begun: see send-started.ts).
 * Validation runs again: an instance terminated meanwhile fails the task with the usual error.
 */
export function resumeWork(ops: ResumeOps, call: NonNullable<ReturnType<typeof storedCall>>, journal: readonly JournalEntry[]): Work {
  if (call.tool === 'coordinate_instances') {
    return async (signal, report) => {
      const plan = await ops.prepareCoordination(call.arguments as CoordinateInput);
      return ops.runCoordination(plan, { signal, report, replay: new Replay(journal) });
    };
  }
  return async (signal, report) => {
    const input = await ops.prepareSend(call.arguments as SendInput);
    const result = await ops.sendToInstance(input, { signal, onProgress: (message) => report({ message }) });
    report({ message: 'reply received', completedTurns: 1, totalTurns: 1, addTokens: result.usage.total_tokens });
    return result;
  };
}
