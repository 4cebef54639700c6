import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * A server process that owns leases, holds and tasks in a shared store: a node of the cluster. It writes
 * `heartbeatAt` every NODE_HEARTBEAT_SECONDS; elsewhere than on its own host, a stale heartbeat is how it is
 * known to be gone.
 */
export interface Owner {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** The process start time as the kernel reports it: with the pid, it names one process even after pid reuse. */
  readonly processStart: string;
  readonly startedAt: string;
  /** The node's HTTP base URL (e.g. http://10.0.0.5:3000), null when it serves no HTTP (a stdio server). */
  readonly address: string | null;
  /** When it last said it is alive (ISO). */
  readonly heartbeatAt: string;
}

/** The heartbeat a node writes when it stops cleanly: gone at once, on any host, for every other node. */
export const STOPPED_HEARTBEAT = new Date(0).toISOString();

/** Start time of a process in clock ticks since boot (Linux /proc), or '' where it can't be read. */
export function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may contain spaces and parentheses, so count from its end.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    // No such process (or no /proc): there is no start time to read.
    return '';
  }
}

/** This process as an owner; `host` replaces the machine's name (tests simulate other machines with it). */
export function currentOwner(now = new Date(), host = hostname()): Owner {
  const processStart = processStartTime(process.pid);
  const at = now.toISOString();
  return { id: `${host}:${process.pid}:${processStart}`, host, pid: process.pid, processStart, startedAt: at, address: null, heartbeatAt: at };
}

/**
 * Whether an owner's process is gone. Only answerable on its own host (`here`): elsewhere we can't tell
 * from the process, and the caller judges by its heartbeat (see orchestrator/nodes.ts).
 */
export function ownerIsGone(owner: Pick<Owner, 'host' | 'pid' | 'processStart'>, here = hostname()): boolean {
  if (owner.host !== here) return false;
  const start = processStartTime(owner.pid);
  return start === '' || (owner.processStart !== '' && start !== owner.processStart);
}
