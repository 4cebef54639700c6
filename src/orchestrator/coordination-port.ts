import type { CoordinationPort, ParticipantInfo, TurnOutcome } from '../coordination/types.js';
import type { SendInput } from '../domain/inputs.js';
import type { ProgressReport } from '../tasks/task-registry.js';
import { journalEntry, type Replay } from '../tasks/turn-journal.js';
import type { SendResult } from './results.js';
import type { SendOptions } from './turn.js';
import type { InstanceView } from './views.js';

/** What coordination needs of the orchestrator: a real turn, an instance's status, and its children's. */
export interface TeamAccess {
  send(input: SendInput, options: SendOptions): Promise<SendResult>;
  status(id: string): Promise<InstanceView>;
  children(id: string): Promise<readonly InstanceView[]>;
}

/**
 * The coordination strategies' view: real turns (queued, held against the budgets, accounted) and the
 * instance tree. Every turn is reported to the run's task: its participant working, then done (with its
 * tokens) or failed.
 */
export function coordinationPort(
  team: TeamAccess,
  report: (update: ProgressReport) => void,
  /** The run's caller: who answers permission asks and budget questions of every participant's turn. */
  asks: Pick<SendOptions, 'askPermission' | 'askBudget'> = {},
  replay?: Replay,
): CoordinationPort {
  const { askPermission, askBudget } = asks;
  const info = (s: InstanceView): ParticipantInfo => ({ instance_id: s.instance_id, name: s.name, role: s.role });
  return {
    async send(instanceId: string, message: string, signal: AbortSignal): Promise<TurnOutcome> {
      // A run resumed after a restart: a turn that had finished is reused as it was, never asked (paid) again.
      const reused = replay?.take(instanceId, message) as TurnOutcome | undefined;
      if (reused) {
        report({ addTokens: reused.usage.total_tokens, participant: { instance_id: instanceId, state: 'done', tokens: reused.usage.total_tokens } });
        return reused;
      }
      report({ participant: { instance_id: instanceId, state: 'working' } });
      let r: SendResult;
      try {
        r = await team.send({ instance_id: instanceId, message }, { signal, ...(askPermission ? { askPermission } : {}), ...(askBudget ? { askBudget } : {}) });
      } catch (error) {
        report({ participant: { instance_id: instanceId, state: 'failed' } });
        throw error;
      }
      const outcome: TurnOutcome = {
        instance_id: r.instance_id,
        reply: r.reply,
        usage: r.usage,
        cost_usd: r.cost_usd,
        duration_ms: r.duration_ms,
        evidence: r.evidence,
        ...(r.verification ? { verification: r.verification } : {}),
      };
      report({ addTokens: r.usage.total_tokens, participant: { instance_id: instanceId, state: 'done', tokens: r.usage.total_tokens }, journal: journalEntry(instanceId, message, outcome) });
      return outcome;
    },
    async describe(instanceId: string): Promise<ParticipantInfo> {
      return info(await team.status(instanceId));
    },
    async childrenOf(instanceId: string): Promise<readonly ParticipantInfo[]> {
      const children = await team.children(instanceId);
      return children.filter((c) => c.state === 'idle' || c.state === 'busy').map(info);
    },
  };
}
