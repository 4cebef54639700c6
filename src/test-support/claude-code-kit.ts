import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionSpec } from '../backends/backend.js';
import { ClaudeCodeBackend, type ClaudeCodeBackendOptions } from '../backends/claude-code/claude-code-backend.js';
import type { SessionTimings } from '../backends/claude-code/claude-code-session.js';
import { randomId } from '../domain/ids.js';
import { lastUserText } from '../simulator/request-text.js';
import { startSimulator, type ParsedRequest, type ReplyRule, type ReplySpec, type RunningSimulator } from '../simulator/simulator.js';

/** Short enough that tests don't wait, long enough that nothing is cut off on a loaded machine. */
export const TEST_TIMINGS: SessionTimings = { idleMs: 600_000, exitGraceMs: 2_000, killGraceMs: 2_000, permissionTimeoutMs: 30_000 };

export const TEST_API_KEY = 'sk-ant-test-0123456789-never-leaks';

/**
 * The real Claude Code CLI against the simulator: a temp WORKSPACE_DIR, backends that are shut down at the
 * end, and workspaces for new instances. Nothing reaches the network.
 */
export class ClaudeCodeKit {
  readonly workspaceDir = realpathSync(mkdtempSync(join(tmpdir(), 'cc-ws-')));
  readonly #backends: ClaudeCodeBackend[] = [];

  private constructor(readonly sim: RunningSimulator) {}

  static async start(): Promise<ClaudeCodeKit> {
    const sim = await startSimulator();
    sim.setScript(agentScript());
    return new ClaudeCodeKit(sim);
  }

  backend(options: Partial<Omit<ClaudeCodeBackendOptions, 'timings'>> & { timings?: Partial<SessionTimings> } = {}): ClaudeCodeBackend {
    const backend = new ClaudeCodeBackend({
      apiKey: TEST_API_KEY,
      baseUrl: this.sim.url,
      workspaceDir: this.workspaceDir,
      ...options,
      timings: { ...TEST_TIMINGS, ...options.timings },
    });
    this.#backends.push(backend);
    return backend;
  }

  /** A new instance's spec, with its (empty) workspace created as the orchestrator would. */
  spec(overrides: Partial<SessionSpec> = {}): SessionSpec {
    const instanceId = randomId('inst');
    const workspace = join(this.workspaceDir, instanceId);
    mkdirSync(workspace, { recursive: true });
    return { instanceId, model: 'claude-sonnet-5-5', systemPrompt: 'You are a careful test agent.', workspace, options: {}, ...overrides };
  }

  async close(): Promise<void> {
    await Promise.all(this.#backends.map((backend) => backend.shutdown()));
    await this.sim.close();
    rmSync(this.workspaceDir, { recursive: true, force: true });
  }
}

/** An abort signal for a turn that should never take long. */
export function turnSignal(): AbortSignal {
  return AbortSignal.timeout(60_000);
}

/** The tool_result blocks of the request's last message, as text ('' when it carries none). */
export function lastToolResult(request: ParsedRequest): string | undefined {
  const last = request.messages.at(-1);
  if (!last || typeof last.content === 'string') return undefined;
  const results = last.content.filter((block) => block.type === 'tool_result');
  if (results.length === 0) return undefined;
  return results.map((block) => JSON.stringify((block as { content?: unknown }).content ?? '')).join('\n');
}

/**
 * Scripts the CLI's model by directives in the user's message:
 * - `WRITE <path> <content>`: the Write tool;
 * - `BASH <command>` (to the end of the line): the Bash tool; `BASHBG <command>`: in the background;
 * then, after the tool result, a text reply `done: <result>`; anything else is echoed.
 */
export function agentScript(extra: ReplyRule[] = []): ReplyRule[] {
  return [
    ...extra,
    {
      reply: (request): ReplySpec => {
        const result = lastToolResult(request);
        if (result !== undefined) return `done: ${result}`;
        const text = lastUserText(request);
        const write = /WRITE (\S+) (\S+)/.exec(text);
        if (write) return { content: [{ type: 'tool_use', name: 'Write', input: { file_path: write[1] as string, content: `${write[2] as string}\n` } }] };
        const bash = /BASH(BG)? (.+)/.exec(text);
        if (bash) {
          return { content: [{ type: 'tool_use', name: 'Bash', input: { command: bash[2] as string, description: 'scripted command', ...(bash[1] ? { run_in_background: true } : {}) } }] };
        }
        return `echo: ${text.slice(-200)}`;
      },
    },
  ];
}

/** The message that starts a held turn. */
export const HOLD = 'HOLD-THIS-TURN-7f3a';

/** A reply held until released: a turn that is certainly still running while the test acts. */
export function holdRule(): { rule: ReplyRule; release: () => void } {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  // Case-sensitive and unlikely in any tool output, so only the scripted message matches.
  return { rule: { match: { lastUser: new RegExp(HOLD) }, reply: () => held.then(() => 'released') }, release };
}

export { startHeaderRecorder } from './header-recorder.js';
