import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readStat, type ProcStat } from './process-identity.js';

const HAS_PROC = process.platform === 'linux';

/** Every process on the machine with its parent and group (pid → stat). */
export function processTable(): Map<number, Pick<ProcStat, 'pid' | 'ppid' | 'pgid'>> {
  const table = new Map<number, Pick<ProcStat, 'pid' | 'ppid' | 'pgid'>>();
  if (HAS_PROC) {
    for (const pid of procPids()) {
      const stat = readStat(pid);
      if (stat !== undefined && stat.state !== 'Z') table.set(pid, stat);
    }
    return table;
  }
  const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,pgid='], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const [pid, ppid, pgid] = line.trim().split(/\s+/).map(Number);
    if (pid !== undefined && ppid !== undefined && pgid !== undefined && Number.isInteger(pid)) table.set(pid, { pid, ppid, pgid });
  }
  return table;
}

/** All descendants of `pid` (children, their children, ...), whatever group or session they moved to. */
export function descendantsOf(pid: number, table = processTable()): number[] {
  const children = new Map<number, number[]>();
  for (const entry of table.values()) {
    const list = children.get(entry.ppid) ?? [];
    list.push(entry.pid);
    children.set(entry.ppid, list);
  }
  const out: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    out.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return out;
}

/**
 * Processes whose environment holds `name=value`. Every agent gets a unique marker that its tools
 * inherit, so what it started is found even after it was re-parented to init (its agent died). Linux only:
 * elsewhere the environment of another process can't be read without privileges, and this returns [].
 */
export function processesWithEnv(name: string, value: string): number[] {
  if (!HAS_PROC) return [];
  const needle = Buffer.from(`${name}=${value}\0`);
  const out: number[] = [];
  for (const pid of procPids()) {
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${pid}/environ`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Gone meanwhile, or another user's process (which can't be one of ours).
      if (code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM') continue;
      throw error;
    }
    if (environ.indexOf(needle) === 0 || environ.includes(Buffer.concat([Buffer.from('\0'), needle]))) out.push(pid);
  }
  return out;
}

function procPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}
