import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** One process, named so that pid reuse can't fool us: host, pid and the kernel's start time. */
export interface ProcessIdentity {
  readonly host: string;
  readonly pid: number;
  /** '' where the start time can't be read; then only liveness, not identity, can be checked. */
  readonly startTime: string;
}

/** Where a process stands: 'unknown' when it lives on another host, so nothing here may touch it. */
export type ProcessState = 'alive' | 'gone' | 'unknown';

const HAS_PROC = process.platform === 'linux';

/**
 * The start time of a live process: on Linux field 22 of /proc/<pid>/stat (clock ticks since boot),
 * elsewhere what `ps -o lstart=` prints. '' when the process doesn't exist or is a zombie (it has exited).
 */
export function processStartTime(pid: number): string {
  if (HAS_PROC) {
    const stat = readStat(pid);
    if (stat === undefined || stat.state === 'Z' || stat.state === 'X') return '';
    return stat.startTime;
  }
  try {
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch (error) {
    // ps exits non-zero when there is no such process: that is the answer, not a failure.
    if ((error as { status?: unknown }).status === 1) return '';
    throw error;
  }
}

export interface ProcStat {
  readonly pid: number;
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
  readonly startTime: string;
}

/** /proc/<pid>/stat parsed, or undefined when the process is gone. Linux only. */
export function readStat(pid: number): ProcStat | undefined {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOENT/ESRCH: the process is gone (or went while we read); that is an answer.
    if (code === 'ENOENT' || code === 'ESRCH') return undefined;
    throw error;
  }
  // The command name (field 2) may hold spaces and parentheses, so count fields from its closing one.
  const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0] ?? '', ppid: Number(fields[1]), pgid: Number(fields[2]), startTime: fields[19] ?? '' };
}

export function currentProcess(): ProcessIdentity {
  return { host: hostname(), pid: process.pid, startTime: processStartTime(process.pid) };
}

/** Whether the process an identity names still runs (the same one: a reused pid counts as gone). */
export function processState(id: ProcessIdentity): ProcessState {
  if (id.host !== hostname()) return 'unknown';
  const start = processStartTime(id.pid);
  if (start === '') return 'gone';
  if (id.startTime !== '' && start !== id.startTime) return 'gone';
  return 'alive';
}

/** Whether a pid runs at all (zombies count as exited). Cheap enough to poll. */
export function isRunning(pid: number): boolean {
  if (HAS_PROC) {
    const stat = readStat(pid);
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else, so it runs.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
