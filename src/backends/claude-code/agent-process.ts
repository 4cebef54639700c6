import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { OrchestratorError } from '../../domain/errors.js';
import { killTree } from './kill-tree.js';
import { parseCliLine, type CliMessage } from './stream-json.js';

export interface AgentLaunch {
  readonly executable: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** The marker variable in `env`, to find what the agent started after it is gone. */
  readonly marker: { readonly name: string; readonly value: string };
}

export interface AgentExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What the CLI wrote on stderr last: kept for error messages, bounded. */
const STDERR_TAIL_CHARS = 4_000;
/** After exit, how long we wait for stdout's last lines. */
const STDOUT_DRAIN_MS = 500;

/**
 * One running Claude Code CLI in stream-json mode, in a process group of its own (detached), so it and
 * what it runs can be signalled together and never get the server's terminal signals.
 */
export class AgentProcess {
  readonly pid: number;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<AgentExit>;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #marker: AgentLaunch['marker'];
  #listener: ((message: CliMessage) => void) | undefined;
  #stderr = '';
  #exit: AgentExit | undefined;
  #writeError: Error | undefined;

  private constructor(child: ChildProcessWithoutNullStreams, pid: number, marker: AgentLaunch['marker']) {
    this.#child = child;
    this.pid = pid;
    this.#marker = marker;
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      this.#listener?.(parseCliLine(line));
    });
    const linesDone = once(lines, 'close');
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        // 'exit' can come before the last lines are read (a result, then exit): let them through first,
        // without waiting on a grandchild that may hold stdout open.
        const done = () => {
          this.#exit = { code, signal };
          resolve(this.#exit);
        };
        // Either way the process is gone; a stdout error only means there are no more lines to read.
        void Promise.race([linesDone, delay(STDOUT_DRAIN_MS, undefined, { ref: false })]).then(done, done);
      });
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    // EPIPE when the CLI died under a write: the exit (with stderr) is what gets reported.
    child.stdin.on('error', (error) => {
      this.#writeError = error;
    });
    // Stream or process errors after a good start end in an exit too; keep their words for that report.
    const note = (error: Error) => {
      this.#stderr = `${this.#stderr}\n[${error.message}]`.slice(-STDERR_TAIL_CHARS);
    };
    child.on('error', note);
    child.stdout.on('error', note);
    child.stderr.on('error', note);
  }

  /** Starts the CLI; rejects with not_configured when the executable can't be started at all. */
  static async spawn(launch: AgentLaunch): Promise<AgentProcess> {
    const child = spawn(launch.executable, [...launch.args], {
      cwd: launch.cwd,
      env: launch.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    try {
      await once(child, 'spawn');
    } catch (error) {
      throw new OrchestratorError('not_configured', `Can't start the Claude Code CLI (${launch.executable}): ${(error as Error).message}`, undefined, { cause: error });
    }
    return new AgentProcess(child, child.pid as number, launch.marker);
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** The last of stderr, for error messages (never logged at info: it may quote the conversation). */
  get stderrTail(): string {
    return this.#stderr.trim();
  }

  /** One listener at a time: the turn in progress. Messages between turns are dropped. */
  listen(listener: ((message: CliMessage) => void) | undefined): void {
    this.#listener = listener;
  }

  /** Writes one protocol line; false when the process can no longer take input. */
  write(line: string): boolean {
    if (!this.running || this.#writeError !== undefined || this.#child.stdin.destroyed) return false;
    this.#child.stdin.write(line);
    return true;
  }

  /**
   * Stops an idle agent: end of input asks it to exit; if it hasn't within `exitGraceMs` (a background
   * task keeps it alive, or it hangs), it and everything it started are killed.
   */
  async stop(exitGraceMs: number, killGraceMs: number): Promise<void> {
    if (this.running) {
      this.#child.stdin.end();
      await Promise.race([this.exited, delay(exitGraceMs, undefined, { ref: false })]);
    }
    await this.kill(killGraceMs);
  }

  /** SIGTERM to the agent's tree now, SIGKILL after `graceMs`; also ends what it left running after exiting. */
  async kill(graceMs: number): Promise<void> {
    const left = await killTree({ ...(this.running ? { pid: this.pid } : {}), marker: this.#marker }, graceMs);
    if (left.length > 0) throw new OrchestratorError('internal', `Agent processes ${left.join(', ')} survived SIGKILL.`);
    if (this.running) await this.exited;
  }
}
