import { basename, extname, isAbsolute, join, normalize } from 'node:path';

/**
 * Reads a request to write a file out of plain words ("create hello.txt containing hi", "write a file
 * named notes.md", "save 'milk, eggs' to list.txt"), so an agent on the simulator can use its Write tool.
 */

export interface WriteRequest {
  /** As the user wrote it: relative (to the agent's working directory) or absolute. */
  readonly path: string;
  /** The content the user asked for, when they gave one. */
  readonly content: string | undefined;
  /** The line the request was read from, for a generated file's text. */
  readonly sentence: string;
}

const PATH = String.raw`((?:\/)?(?:[\w.-]+\/)*[\w-][\w.-]*\.[A-Za-z0-9]{1,10})(?![\w/-])`;
const Q = '[`"\']?';
const ADJECTIVES = String.raw`(?:\s+(?:a|an|the|new|empty|small|simple|short|text|markdown|json|plain|python|javascript))*`;

/** "write a (new) file named notes.md", "create a file called x.py", "make the file a.txt". */
const FILE_NAMED = new RegExp(String.raw`\b(?:create|write|make|save|add)\b${ADJECTIVES}\s+file\s+(?:named\s+|called\s+|at\s+|as\s+)?${Q}${PATH}`, 'i');
/** "create hello.txt …", "write notes.md". */
const VERB_PATH = new RegExp(String.raw`\b(?:create|write)\s+${Q}${PATH}`, 'i');
/** "write 'hi' to greeting.txt", "save "milk" in a file named list.txt". */
const CONTENT_FIRST = new RegExp(String.raw`\b(?:write|save|put)\s+(["'\x60])(.+?)\1\s+(?:in|into|to)\s+(?:(?:a|the|new)\s+)*(?:file\s+(?:named\s+|called\s+)?)?${Q}${PATH}`, 'i');
/** What follows the path: "containing hi", "with the content: …", "with 'quoted'", "that says …". */
const CONTENT_AFTER = /^[`"']?\s*,?\s*(?:containing|that contains|which contains|with (?:the )?(?:content|contents|text)|that says|saying|reading)\s*:?\s*(.+)$/i;
const QUOTED_AFTER = /^[`"']?\s*,?\s*with\s+(["'`])(.+)\1\s*\.?\s*$/i;

/** The first request to write a file in `text`, line by line, or undefined when it asks for none. */
export function findWriteRequest(text: string): WriteRequest | undefined {
  for (const line of text.split('\n')) {
    const request = writeRequestIn(line.trim());
    if (request) return request;
  }
  return undefined;
}

function writeRequestIn(line: string): WriteRequest | undefined {
  const first = CONTENT_FIRST.exec(line);
  if (first && first[3]) return { path: first[3], content: first[2], sentence: line };
  const named = FILE_NAMED.exec(line) ?? VERB_PATH.exec(line);
  const path = named?.[1];
  if (named === null || path === undefined) return undefined;
  const rest = line.slice(named.index + named[0].length);
  return { path, content: contentAfter(rest), sentence: line };
}

function contentAfter(rest: string): string | undefined {
  const quoted = QUOTED_AFTER.exec(rest);
  if (quoted?.[2] !== undefined) return quoted[2];
  const said = CONTENT_AFTER.exec(rest)?.[1]?.trim();
  if (said === undefined || said.length === 0) return undefined;
  const inQuotes = /^(["'`])(.*)\1\.?$/.exec(said);
  return inQuotes?.[2] ?? said.replace(/\.$/, '');
}

/** The working directory Claude Code states in its prompt ("Primary working directory: /tmp/ws"), if any. */
export function workingDirectory(system: string): string | undefined {
  const found = /(?:Primary working directory|Working directory|cwd):\s*(\/[^\s`]*)/i.exec(system)?.[1];
  return found?.replace(/[.,;]$/, '');
}

/**
 * The absolute path to write for a request: an absolute path as given, a relative one inside `cwd`.
 * Undefined when it can't be placed safely: relative without a known cwd, or climbing out with "..".
 */
export function targetPath(path: string, cwd: string | undefined): string | undefined {
  if (path.split(/[\\/]/).includes('..')) return undefined;
  if (isAbsolute(path)) return normalize(path);
  return cwd === undefined ? undefined : join(cwd, path);
}

const COMMENT: Readonly<Record<string, (text: string) => string>> = {
  '.md': (text) => `# ${text}`,
  '.js': (text) => `// ${text}`,
  '.ts': (text) => `// ${text}`,
  '.py': (text) => `# ${text}`,
  '.sh': (text) => `# ${text}`,
  '.html': (text) => `<!-- ${text} -->`,
  '.css': (text) => `/* ${text} */`,
};

/** The file's text: the asked content (with a final newline), or a line saying who wrote it and why. */
export function fileContent(request: WriteRequest, writer: string): string {
  if (request.content !== undefined) return request.content.endsWith('\n') ? request.content : `${request.content}\n`;
  const note = `${basename(request.path)}: written by the simulated ${writer} for "${request.sentence}"`;
  const comment = COMMENT[extname(request.path).toLowerCase()];
  return `${comment ? comment(note) : note}\n`;
}
