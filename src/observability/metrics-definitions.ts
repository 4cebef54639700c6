import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Turn durations run from a quick reply to a long agent turn. */
const TURN_SECONDS = [0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800];
/** One model call: a short reply to a long one. */
const CALL_SECONDS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
/** Labels of the gauges kept for each live instance. */
const INSTANCE = ['instance_id', 'name'] as const;

/**
 * Every metric the orchestrator serves, registered on one registry (each HTTP server has its own). Names are
 * prefixed `orchestrator_`; counters end in `_total`. The store's counters (totals that survive a restart)
 * and the live instances are set at each scrape; the rest count this process's events.
 */
export function defineMetrics(registry: Registry) {
  const registers = [registry];
  return {
    instancesCreated: new Counter({ name: 'orchestrator_instances_created_total', help: 'Instances spawned since the store was created.', registers }),
    instancesActive: new Gauge({ name: 'orchestrator_instances_active', help: 'Live instances now (spawning, idle, busy or terminating).', registers }),
    instancesTerminated: new Counter({
      name: 'orchestrator_instances_terminated_total',
      help: 'Instances that ended (terminated or failed), by the reason they ended: requested, limit:tokens, limit:cost, timeout, parent_terminated, error, ...',
      labelNames: ['reason'] as const,
      registers,
    }),
    turns: new Counter({ name: 'orchestrator_turns_total', help: 'Conversational turns that finished, by outcome (completed or failed).', labelNames: ['outcome'] as const, registers }),
    tokens: new Counter({
      name: 'orchestrator_tokens_total',
      help: 'Tokens the model API reported, by kind: input, output, cache_write (written to the prompt cache) and cache_read.',
      labelNames: ['kind'] as const,
      registers,
    }),
    cost: new Counter({ name: 'orchestrator_cost_usd_total', help: 'Spend in US dollars of model calls with a known price (calls to unpriced models are not counted).', registers }),
    tasks: new Gauge({ name: 'orchestrator_tasks', help: 'Stored background tasks (sends and coordinations), by state.', labelNames: ['state'] as const, registers }),
    turnDuration: new Histogram({
      name: 'orchestrator_turn_duration_seconds',
      help: 'How long turns took, from the message to the reply or the failure, by outcome (turns run by this server since it started).',
      labelNames: ['outcome'] as const,
      buckets: TURN_SECONDS,
      registers,
    }),
    callDuration: new Histogram({
      name: 'orchestrator_model_call_duration_seconds',
      help: 'How long each settled model call took, retries included, by model (calls made by this server since it started).',
      labelNames: ['model'] as const,
      buckets: CALL_SECONDS,
      registers,
    }),
    retries: new Counter({
      name: 'orchestrator_model_call_retries_total',
      help: 'Model calls retried after a failure, by what failed: status (an HTTP error), stream_error, connection, other (this server since it started).',
      labelNames: ['reason'] as const,
      registers,
    }),
    rateLimits: new Counter({
      name: 'orchestrator_rate_limit_events_total',
      help: 'Times the model API said slow down (429 rate limited, 529 or overloaded_error), by what it said; each one cuts the adaptive concurrency limit (this server since it started).',
      labelNames: ['reason'] as const,
      registers,
    }),
    budgetAsks: new Counter({
      name: 'orchestrator_budget_asks_total',
      help: 'Questions to raise a spent budget, by how they ended: raised, decline, cancel, timeout or failed (this server since it started).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    health: new Gauge({
      name: 'orchestrator_instance_health_score',
      help: 'Health of each live instance, 0-100: 100 is healthy; each failed turn in a row costs 25, a budget over 90 % used costs 10.',
      labelNames: INSTANCE,
      registers,
    }),
    instanceTokens: new Gauge({ name: 'orchestrator_instance_tokens', help: 'Tokens used by each live instance (input, output and cache).', labelNames: INSTANCE, registers }),
    instanceCost: new Gauge({ name: 'orchestrator_instance_cost_usd', help: 'Spend in US dollars of each live instance (absent while its model has no known price).', labelNames: INSTANCE, registers }),
    instanceTurns: new Gauge({ name: 'orchestrator_instance_turns', help: 'Turns each live instance completed.', labelNames: INSTANCE, registers }),
    instanceErrors: new Gauge({ name: 'orchestrator_instance_errors', help: 'Failed turns and other errors of each live instance.', labelNames: INSTANCE, registers }),
    instanceResponse: new Gauge({
      name: 'orchestrator_instance_mean_response_seconds',
      help: 'Mean time each live instance took to reply (absent before its first completed turn).',
      labelNames: INSTANCE,
      registers,
    }),
  };
}

export type OrchestratorMetricSet = ReturnType<typeof defineMetrics>;
