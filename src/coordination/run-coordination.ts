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
  return STRATEGIES[type](request, context);
}
