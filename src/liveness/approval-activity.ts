import type { AskPermission } from '../backends/backend.js';
import type { EventBus } from '../orchestrator/events.js';

/**
 * `ask`, publishing `approval.waiting` before each question and `approval.settled` once it is answered
 * (or fails), so liveness shows `waiting_for_approval` meanwhile. Undefined stays undefined.
 */
export function withApprovalActivity(ask: AskPermission | undefined, instanceId: string, events: EventBus, now: () => number): AskPermission | undefined {
  if (ask === undefined) return undefined;
  return async (request, signal) => {
    events.publish({ type: 'approval.waiting', at: new Date(now()).toISOString(), instanceId, tool: request.tool });
    let allowed = false;
    try {
      const answer = await ask(request, signal);
      allowed = answer.allow;
      return answer;
    } finally {
      events.publish({ type: 'approval.settled', at: new Date(now()).toISOString(), instanceId, allowed });
    }
  };
}
