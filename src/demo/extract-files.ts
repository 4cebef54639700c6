import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { resolveRealWithin } from '../security/safe-path.js';

export interface ExtractedFile {
  readonly path: string;
  readonly content: string;
}

/**
 * Files named in a reply: a fenced code block whose opening line is preceded by a line naming a relative
 * path (e.g. "`server/app.js`" or "server/app.js:" or "### server/app.js"), or whose info string names one
 * ("```js server/app.js" / "```js title=server/app.js"). The last version of a path wins.
 */
export function extractFiles(text: string): ExtractedFile[] {
  const files = new Map<string, string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```+\s*([^\s`]*)\s*(.*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const fence = /^\s*(`{3,})/.exec(lines[i] ?? '')?.[1] ?? '```';
    let end = i + 1;
    while (end < lines.length && !(lines[end] ?? '').trim().startsWith(fence)) end++;
    const named = pathFrom(open[2] ?? '') ?? pathFrom(lines[i - 1] ?? '') ?? pathFrom(lines[i - 2] ?? '', true);
    if (named) files.set(named, `${lines.slice(i + 1, end).join('\n')}\n`);
    i = end;
  }
  return [...files].map(([path, content]) => ({ path, content }));
}

const PATH = /([A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*\.[A-Za-z0-9]+)/;

function pathFrom(line: string, strict = false): string | undefined {
  const cleaned = line.replace(/^(title=|file:|path:)/i, '').trim();
  if (cleaned === '' || (strict && cleaned.split(/\s+/).length > 3)) return undefined;
  if (cleaned.split(/\s+/).length > 6) return undefined;
  const match = PATH.exec(cleaned.replace(/[`*#:]/g, ' '));
  const candidate = match?.[1];
  return candidate && isSafeRelative(candidate) ? normalize(candidate) : undefined;
}

/** A relative path that stays inside the directory it is written to. */
export function isSafeRelative(path: string): boolean {
  if (isAbsolute(path) || path.includes('\0')) return false;
  const normal = normalize(path);
  return normal !== '..' && !normal.startsWith(`..${sep}`) && !normal.split(sep).includes('..');
}

/** Writes files under `dir`, refusing any path that would land outside it. Returns the paths written. */
export async function writeFiles(dir: string, files: readonly ExtractedFile[]): Promise<string[]> {
  const base = resolve(dir);
  const written: string[] = [];
  await mkdir(base, { recursive: true });
  for (const file of files) {
    // Resolved through real paths: a symlink planted in the output directory can't carry a write outside it.
    const target = await resolveRealWithin(base, file.path).catch(() => undefined);
    if (target === undefined) continue;
    const rel = relative(base, target);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) continue;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content);
    written.push(join(dir, rel));
  }
  return written;
}
