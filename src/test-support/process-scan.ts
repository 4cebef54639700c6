import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Every process on the machine that belongs to a workspace, found by walking /proc, not from any record the
 * server keeps: its command line or environment names the directory (a server's WORKSPACE_DIR, an agent's
 * HOME under WORKSPACE_DIR/.agents, which every tool and background shell of the agent inherits), or its
 * working directory lies under it. Linux only (elsewhere another process's environment can't be read).
 */
export interface FoundProcess {
  readonly pid: number;
  readonly cmdline: string;
  readonly why: 'cmdline' | 'environ' | 'cwd';
}

export function processesUnder(dir: string): FoundProcess[] {
  const found: FoundProcess[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    const why = belongs(pid, dir);
    if (why) found.push({ pid, cmdline: readOr(`/proc/${pid}/cmdline`).replaceAll('\0', ' ').trim(), why });
  }
  return found;
}

function belongs(pid: number, dir: string): FoundProcess['why'] | undefined {
  if (isZombie(pid)) return undefined;
  if (readOr(`/proc/${pid}/cmdline`).includes(dir)) return 'cmdline';
  if (readOr(`/proc/${pid}/environ`).includes(dir)) return 'environ';
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    if (cwd === dir || cwd.startsWith(`${dir}/`)) return 'cwd';
  } catch {
    // Gone meanwhile, or not ours to read.
  }
  return undefined;
}

function isZombie(pid: number): boolean {
  const stat = readOr(`/proc/${pid}/stat`);
  return / Z /.test(stat.slice(stat.lastIndexOf(')') + 1, stat.lastIndexOf(')') + 4));
}

/** The file's text, or '' when the process is gone or its files are not ours to read. */
function readOr(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}
