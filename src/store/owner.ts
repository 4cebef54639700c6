import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** A server process that owns leases, reservations and tasks in a shared store. */
export interface Owner {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** The process start time as the kernel reports it: with the pid, it names one process even after pid reuse. */
  readonly processStart: string;
  readonly startedAt: string;
}

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

export function currentOwner(now = new Date()): Owner {
  const processStart = processStartTime(process.pid);
  return { id: `${hostname()}:${process.pid}:${processStart}`, host: hostname(), pid: process.pid, processStart, startedAt: now.toISOString() };
}

/**
 * Whether an owner's process is gone. Only answerable on its own host: elsewhere we can't tell, and the
 * caller falls back on lease expiry.
 */
export function ownerIsGone(owner: Pick<Owner, 'host' | 'pid' | 'processStart'>): boolean {
  if (owner.host !== hostname()) return false;
  const start = processStartTime(owner.pid);
  return start === '' || (owner.processStart !== '' && start !== owner.processStart);
}
