import { coordinationFinished, coordinationSpan } from '../observability/genai-spans.js';
import { runConsensus } from './consensus.js';
import { runHierarchical } from './hierarchical.js';
import { runParallel } from './parallel.js';
import { runSequential } from './sequential.js';
import type { CoordinationContext, CoordinationRequest, CoordinationResultBase, CoordinationType } from './types.js';

const STRATEGIES: Record<CoordinationType, (request: CoordinationRequest, context: CoordinationContext) => Promise<CoordinationResultBase>> = {
  parallel: runParallel,
  sequential: runSequential,
  hierarchical: runHierarchical,
  consensus: runConsensus,
};

/** Runs one coordination pattern; each pattern is a module of its own. */
export function runCoordination(type: CoordinationType, request: CoordinationRequest, context: CoordinationContext): Promise<CoordinationResultBase> {
  // One span per run: the participants' turns nest under it (it is a trace's root when a library caller runs it).
  return coordinationSpan({ type, participantIds: request.participantIds, coordinatorId: request.coordinatorId }, async (span) => {
    const result = await STRATEGIES[type](request, context);
    coordinationFinished(span, result);
    return result;
  });
}
