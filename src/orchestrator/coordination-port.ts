import type { CoordinationPort, ParticipantInfo, TurnOutcome } from '../coordination/types.js';
import type { AskPermission } from '../backends/backend.js';
import type { ProgressReport } from '../tasks/task-registry.js';
import type { Orchestrator } from './orchestrator.js';

/**
 * The coordination strategies' view of the orchestrator: real turns (queued, limited, accounted) and the
 * instance tree. Every finished turn's tokens are reported to the run's task.
 */
export function coordinationPort(orchestrator: Orchestrator, report: (update: ProgressReport) => void, askPermission?: AskPermission): CoordinationPort {
  const describe = (id: string): ParticipantInfo => {
    const s = orchestrator.getInstanceStatus({ instance_id: id });
    return { instance_id: s.instance_id, name: s.name, role: s.role };
  };
  return {
    async send(instanceId: string, message: string, signal: AbortSignal): Promise<TurnOutcome> {
      const r = await orchestrator.sendToInstance({ instance_id: instanceId, message }, { signal, ...(askPermission ? { askPermission } : {}) });
      report({ addTokens: r.usage.total_tokens });
      return { instance_id: r.instance_id, reply: r.reply, usage: r.usage, cost_usd: r.cost_usd, duration_ms: r.duration_ms };
    },
    describe,
    childrenOf(instanceId: string): readonly ParticipantInfo[] {
      return orchestrator
        .getInstanceStatus({ instance_id: instanceId })
        .children.map((id) => orchestrator.getInstanceStatus({ instance_id: id }))
        .filter((c) => c.state === 'idle' || c.state === 'busy')
        .map((c) => ({ instance_id: c.instance_id, name: c.name, role: c.role }));
    },
  };
}
