// A stand-in orchestrator server for supervision tests, run as a child process (compiled by
// compileForChild): it starts one claude-code agent on a turn that the simulator holds, prints the
// agent's pid, and waits to be killed.
import { ClaudeCodeBackend } from '../backends/claude-code/claude-code-backend.js';
import { HOLD } from './claude-code-kit.js';
import { TestBudget } from './test-budget.js';

const need = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

const backend = new ClaudeCodeBackend({
  apiKey: 'sk-ant-owner-test',
  baseUrl: need('SIM_URL'),
  workspaceDir: need('WORKSPACE_DIR'),
  timings: { idleMs: 600_000, exitGraceMs: 2_000, killGraceMs: 2_000, permissionTimeoutMs: 30_000 },
});
const session = await backend.start({ instanceId: need('INSTANCE_ID'), model: 'claude-sonnet-5-5', systemPrompt: 'You are owned by a server that will die.', workspace: need('WORKSPACE'), options: {} });
session.turn({ history: [], message: HOLD }, { signal: new AbortController().signal, calls: new TestBudget(1_024) }).then(
  () => process.stderr.write('the held turn ended\n'),
  (error: unknown) => process.stderr.write(`the held turn failed: ${String(error)}\n`),
);
process.stdout.write(`${JSON.stringify({ agentPid: (session as unknown as { agentPid: number }).agentPid })}\n`);
setInterval(() => {}, 1 << 30);
