import fc from 'fast-check';
import { PERMISSION_MODES } from '../backends/claude-code/permission-policy.js';
import { COORDINATION_TYPES } from '../domain/inputs.js';
import { ROLE_IDS } from '../domain/roles.js';
import { BUILTIN_PRICE_TABLE } from '../pricing/price-table.js';

/**
 * fast-check generators for tool calls that reach past validation: every field of every tool has a generator
 * of values the schema accepts (claude-code, permissions and a repository included), ids point at what the
 * server really issued (placeholders, resolved by {@link FuzzWorld} when the case runs), and a share of
 * calls is spoiled on purpose — one field made wrong, a required one dropped, a hostile string, a dead id.
 */

/** An id the server issued: the n-th live instance (distinct ones within one call when asked). */
export interface InstanceRef {
  readonly $inst: number;
  readonly distinct?: boolean;
  /** May pick a claude-code instance even for a turn (rationed by the world: each such turn runs the real CLI). */
  readonly cc?: boolean;
}
export interface TaskRef {
  readonly $task: number;
}
export interface DeadRef {
  readonly $dead: number;
}
/** The git repository the run created (`sub`: a directory inside it, which resolves to the same top level). */
export interface RepoRef {
  readonly $repo: 'root' | 'sub';
}

/** One generated call: the tool, its arguments (with placeholders), and what the generator meant. */
export interface ToolCase {
  readonly tool: string;
  readonly args: unknown;
  /** valid: every field as the schema wants (the server may still refuse: limits, state); spoiled: made wrong on purpose. */
  readonly intent: 'valid' | 'spoiled';
  /** A claude-code spawn that could start a real agent (the world rations them). */
  readonly startsAgent?: boolean;
}

type Args = Record<string, unknown>;

const inst = (options: Omit<InstanceRef, '$inst'> = {}): fc.Arbitrary<InstanceRef> => fc.nat(1_000).map(($inst) => ({ $inst, ...options }));
const task: fc.Arbitrary<TaskRef> = fc.nat(1_000).map(($task) => ({ $task }));
const dead: fc.Arbitrary<DeadRef> = fc.nat(1_000).map(($dead) => ({ $dead }));

/** Text a person or a model would send: words, punctuation, unicode, newlines; never blank. */
const prose = (max: number) =>
  fc
    .oneof(
      { weight: 3, arbitrary: fc.lorem({ maxCount: Math.max(1, Math.floor(max / 8)) }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: Math.floor(max / 4) }) },
      { weight: 1, arbitrary: fc.constantFrom('Review src/app.ts\nand list the bugs.', 'Ünïcödé ✓ 漢字 🚀', 'Plan: 1) a 2) b', '"quoted" \'text\' `code`') },
    )
    .filter((s) => s.trim().length > 0 && s.length <= max);

const PRICED_MODELS = Object.keys(BUILTIN_PRICE_TABLE.models);
const name = prose(60);
const role = fc.constantFrom(...ROLE_IDS);
const pricedModel = fc.constantFrom(...PRICED_MODELS);
/** A well-formed model id the price table doesn't know: spawns with a warning (and refuses max_cost). */
const unpricedModel = fc.constantFrom('claude-test-unpriced-1', 'acme/model:v2@eu');
const tokenBudget = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 20_000, max: 400_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2_000 }) });
const costCap = fc.oneof({ weight: 4, arbitrary: fc.double({ min: 0.05, max: 50, noNaN: true }) }, { weight: 1, arbitrary: fc.double({ min: 1e-6, max: 1e-4, noNaN: true }) });

/** Claude Code permission rules as its docs write them. */
const rule = fc.constantFrom('Edit', 'Read', 'Write', 'WebFetch', 'Bash(npm test:*)', 'Bash(git status)', 'Read(./src/**)', 'Edit(docs/**)', 'mcp__server__tool', 'WebFetch(domain:example.com)', 'Grep', 'Glob');
const permissions = fc.record(
  { mode: fc.constantFrom(...PERMISSION_MODES), allowed_tools: fc.uniqueArray(rule, { maxLength: 4 }), disallowed_tools: fc.uniqueArray(rule, { maxLength: 3 }) },
  { requiredKeys: [] },
);

const common = {
  name,
  role,
  system_prompt: prose(200),
  model: fc.oneof({ weight: 8, arbitrary: pricedModel }, { weight: 1, arbitrary: unpricedModel }),
  max_total_tokens: tokenBudget,
  timeout_minutes: fc.oneof(fc.integer({ min: 5, max: 600 }), fc.double({ min: 5, max: 120, noNaN: true })),
  keep_workspace: fc.boolean(),
};

/** An api spawn: any role, model, budget; sometimes a child of a live instance. */
const apiSpawn: fc.Arbitrary<Args> = fc
  .record({ ...common, max_cost: costCap, parent_id: rarely(inst()), allow_delegation: fc.boolean(), backend: fc.constant('api') }, { requiredKeys: ['name'] })
  // max_cost needs a priced model; a spawn that names none uses the (priced) default.
  .map((args) => (typeof args.model === 'string' && !PRICED_MODELS.includes(args.model) ? { ...args, max_cost: undefined } : args))
  .map(dropUndefined);

/**
 * A claude-code spawn: permissions, a repository (or its own workspace), a priced model, and budgets that fit
 * a turn of the real CLI (its own prompt alone is ~21k tokens; a smaller budget is refused, as api budgets test).
 */
const claudeCodeSpawn: fc.Arbitrary<Args> = fc
  .record({ ...common, model: pricedModel, max_total_tokens: fc.integer({ min: 150_000, max: 1_000_000 }), max_cost: fc.double({ min: 5, max: 100, noNaN: true }), backend: fc.constant('claude-code'), permissions, repository: fc.constantFrom<RepoRef>({ $repo: 'root' }, { $repo: 'sub' }) }, { requiredKeys: ['name', 'backend'] })
  .map(dropUndefined);

/** Usually undefined: a child of a live instance now and then (deep trees hit the depth and children caps). */
function rarely<T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
}

const waitShort = fc.constantFrom(0, 0.05, 0.5, 2, 5);

const send: fc.Arbitrary<Args> = fc.record(
  { instance_id: inst({ cc: true }), message: prose(300), timeout_seconds: fc.oneof(fc.integer({ min: 30, max: 3600 }), fc.double({ min: 0.001, max: 0.05, noNaN: true })), wait_seconds: waitShort },
  { requiredKeys: ['instance_id', 'message', 'wait_seconds'] },
);

const coordinate: fc.Arbitrary<Args> = fc
  .record({
    type: fc.constantFrom(...COORDINATION_TYPES),
    coordinator: fc.option(inst({ distinct: true, cc: true }), { nil: undefined }),
    participants: fc.array(inst({ distinct: true, cc: true }), { minLength: 1, maxLength: 4 }),
    task_description: prose(300),
    timeout_seconds: fc.option(fc.integer({ min: 30, max: 3600 }), { nil: undefined }),
    wait_seconds: fc.constantFrom(0, 0.5, 5, 10),
    options: fc.option(
      fc.record({ max_rounds: fc.integer({ min: 1, max: 3 }), quorum: fc.double({ min: 0.1, max: 1, noNaN: true }), max_depth: fc.integer({ min: 1, max: 2 }), synthesize: fc.boolean() }, { requiredKeys: [] }),
      { nil: undefined },
    ),
  })
  .map(({ type, coordinator, participants, ...rest }) =>
    dropUndefined({
      coordination_type: type,
      // The coordinator is resolved first, so the participants are picked from the other instances.
      ...(coordinator !== undefined || type === 'hierarchical' ? { coordinator_id: coordinator ?? { $inst: participants.length, distinct: true, cc: true } } : {}),
      participant_ids: participants,
      ...rest,
    }),
  );

const page = { limit: fc.integer({ min: 1, max: 500 }), offset: fc.integer({ min: 0, max: 20 }) };

/** Valid arguments for each tool. */
export const VALID_ARGS: Readonly<Record<string, fc.Arbitrary<Args>>> = {
  spawn_claude: apiSpawn,
  send_to_instance: send,
  get_instance_output: fc.record({ instance_id: inst(), ...page }, { requiredKeys: ['instance_id'] }),
  get_instance_status: fc.record({ instance_id: inst() }),
  list_instances: fc.record({ include_terminated: fc.boolean(), ...page }, { requiredKeys: [] }),
  terminate_instance: fc.record({ instance_id: inst() }),
  coordinate_instances: coordinate,
  get_task: fc.record({ task_id: task, wait_seconds: fc.constantFrom(0, 0.05, 1) }, { requiredKeys: ['task_id'] }),
  cancel_task: fc.record({ task_id: task }),
  // No agent asks in the fuzz's world: listing succeeds, answering an id nobody issued is a clear not_found.
  answer_approval: fc.oneof(
    { weight: 3, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.record({ approval_id: fc.stringMatching(/^appr_[0-9a-f]{32}$/), decision: fc.constantFrom('allow_once', 'allow_instance', 'deny') }) },
  ),
};

/** How often each tool is called: turns and reads dominate, as in real use; spawns and terminates keep the pool moving. */
const WEIGHTS: Readonly<Record<string, number>> = {
  spawn_claude: 6,
  send_to_instance: 10,
  get_instance_output: 5,
  get_instance_status: 5,
  list_instances: 3,
  terminate_instance: 4,
  coordinate_instances: 4,
  get_task: 5,
  cancel_task: 2,
  answer_approval: 1,
};

// Spoilers: what a confused client or a hostile one sends.
const nastyString = fc.constantFrom('', ' ', '\u0000', '\ud800', '../../etc/passwd', '$(rm -rf /)', '--help', '-x', 'x'.repeat(201), 'y'.repeat(1_000_001), '__proto__', 'constructor', '{"a":1}', '<script>', '%00', 'inst_' + '0'.repeat(32), 'task_' + 'f'.repeat(32));
const anyString = fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: nastyString });
const anyNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 0.5, 301, 3601, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2));
const anyScalar = fc.oneof(anyString, anyNumber, fc.boolean(), fc.constant(null));
const anyJson = fc.oneof({ weight: 4, arbitrary: anyScalar }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, { weight: 1, arbitrary: fc.array(anyScalar, { maxLength: 4 }) });
/** Never a long wait, whatever else it is. */
const oddWait = anyJson.filter((v) => typeof v !== 'number' || v < 0 || v > 300);

/** A valid call made wrong in one way. */
function spoil(tool: string, args: fc.Arbitrary<Args>): fc.Arbitrary<Args> {
  return args.chain((valid) => {
    const keys = Object.keys(valid);
    const oddFor = (key: string) => (key.includes('wait') ? oddWait : key.endsWith('_id') ? fc.oneof(dead, anyJson) : anyJson);
    const replaced = keys.length === 0 ? fc.constant(valid) : fc.constantFrom(...keys).chain((key) => oddFor(key).map((odd) => ({ ...valid, [key]: odd })));
    const dropped = keys.length === 0 ? fc.constant(valid) : fc.constantFrom(...keys).map((key) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key)));
    const deadId = fc.constant(Object.fromEntries(Object.entries(valid).map(([k, v]) => [k, k.endsWith('_id') ? { $dead: 0 } : v])));
    const variants = [replaced, dropped, deadId];
    if (tool === 'coordinate_instances') variants.push(fc.constant({ ...valid, participant_ids: Array.from({ length: 101 }, (_, i) => ({ $inst: i })) }));
    return fc.oneof(...variants);
  });
}

/** A claude-code spawn certain to be refused before any agent starts (so the world needn't ration it). */
const refusedClaudeCode: fc.Arbitrary<Args> = claudeCodeSpawn.chain((valid) =>
  fc.oneof(
    fc.constantFrom('relative/path', '/nonexistent/repo', '/', '/tmp', '').map((repository) => ({ ...valid, repository })),
    fc.constant({ ...valid, permissions: { mode: 'bypassPermissions' } }),
    fc.constant({ ...valid, permissions: { allowed_tools: ['Bash(ls)\nrm -rf /'] } }),
    fc.constant({ ...valid, permissions: { mode: 'default', extra: true } }),
    fc.constant({ ...valid, allow_delegation: true }),
    fc.constant({ ...valid, model: '--dangerously-skip-permissions' }),
    fc.constant({ ...valid, max_cost: -1 }),
  ),
);

const garbage: fc.Arbitrary<ToolCase> = fc.oneof(
  fc.record({ tool: fc.oneof(anyString, fc.constantFrom('SPAWN_CLAUDE', 'spawn_claude ', 'tools/list')), args: anyJson }),
  fc.record({ tool: fc.constantFrom(...Object.keys(VALID_ARGS)), args: anyJson.filter((v) => v !== null && v !== undefined) }),
).map(({ tool, args }) => ({ tool, args, intent: 'spoiled' as const }));

/** One tool call: mostly valid (about 5 in 6), the rest spoiled in one way or plain garbage. */
export const toolCase: fc.Arbitrary<ToolCase> = fc.oneof(
  ...Object.entries(VALID_ARGS).flatMap(([tool, args]) => [
    { weight: (WEIGHTS[tool] ?? 1) * 5, arbitrary: args.map((a): ToolCase => ({ tool, args: a, intent: 'valid' })) },
    { weight: WEIGHTS[tool] ?? 1, arbitrary: spoil(tool, args).map((a): ToolCase => ({ tool, args: a, intent: 'spoiled' })) },
  ]),
  { weight: 2, arbitrary: claudeCodeSpawn.map((a): ToolCase => ({ tool: 'spawn_claude', args: a, intent: 'valid', startsAgent: true })) },
  { weight: 2, arbitrary: refusedClaudeCode.map((a): ToolCase => ({ tool: 'spawn_claude', args: a, intent: 'spoiled' })) },
  { weight: 3, arbitrary: garbage },
);

function dropUndefined(args: Args): Args {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
}
