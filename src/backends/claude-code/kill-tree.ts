import { setTimeout as delay } from 'node:timers/promises';
import { isRunning } from './process-identity.js';
import { descendantsOf, processesWithEnv, processTable } from './process-table.js';

/** An agent process to end with everything it started. */
export interface KillTarget {
  /** The agent's pid; it leads its own process group (spawned detached). Absent when only its leftovers remain. */
  readonly pid?: number;
  /** The agent's environment marker, inherited by everything it ran. */
  readonly marker?: { readonly name: string; readonly value: string };
}

const POLL_MS = 25;
/** After SIGKILL the kernel needs a moment to tear processes down; past this we stop waiting (and say so). */
const AFTER_KILL_MS = 2_000;

/**
 * Ends an agent and everything it started: SIGTERM to its group and to every descendant and marked process
 * (Claude Code runs tools in sessions of their own, out of reach of a group signal), SIGKILL to whatever is
 * left after `graceMs`. Resolves with the pids still running at the end, which should be none.
 */
export async function killTree(target: KillTarget, graceMs: number): Promise<number[]> {
  let victims = collect(target);
  if (victims.length === 0) return [];
  signalAll(victims, target.pid, 'SIGTERM');
  victims = await waitGone(victims, graceMs);
  if (victims.length === 0) return [];
  // Collect again: a process may have forked while we waited.
  victims = [...new Set([...victims, ...collect(target)])];
  signalAll(victims, target.pid, 'SIGKILL');
  return waitGone(victims, AFTER_KILL_MS);
}

function collect(target: KillTarget): number[] {
  const table = processTable();
  const found = new Set<number>();
  if (target.pid !== undefined && isRunning(target.pid)) {
    found.add(target.pid);
    for (const pid of descendantsOf(target.pid, table)) found.add(pid);
  }
  if (target.marker) {
    for (const pid of processesWithEnv(target.marker.name, target.marker.value)) {
      found.add(pid);
      for (const child of descendantsOf(pid, table)) found.add(child);
    }
  }
  found.delete(process.pid);
  return [...found];
}

/**
 * Signals each victim and each group a victim leads (a shell and its pipeline share a group). Only groups
 * led by a victim: a group id is never taken from elsewhere, so nothing outside the tree is hit.
 */
function signalAll(victims: readonly number[], leader: number | undefined, signal: NodeJS.Signals): void {
  const groups = new Set(victims);
  if (leader !== undefined) groups.add(leader);
  for (const group of groups) send(-group, signal);
  for (const pid of victims) send(pid, signal);
}

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    // ESRCH: already gone (or not a group leader), which is what we want.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function waitGone(pids: readonly number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = pids.filter(isRunning);
  while (left.length > 0 && Date.now() < deadline) {
    await delay(POLL_MS);
    left = left.filter(isRunning);
  }
  return left;
}
