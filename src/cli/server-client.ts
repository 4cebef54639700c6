import { DEFAULTS } from '../config/defaults.js';
import { settingFromEnv } from '../config/load-config.js';
import { OrchestratorError, type ErrorCode } from '../domain/errors.js';
import { parseJsonOrUndefined } from '../text/parse-json.js';
import type { ClientFlags } from './parse-args.js';

/** Where a running server is and the token it wants: --url/--token, else ORCHESTRATOR_HOST/PORT/TOKEN. */
export interface ServerTarget {
  readonly url: string;
  readonly token: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

export function resolveTarget(flags: ClientFlags, env: Env): ServerTarget {
  const token = flags.token ?? (settingFromEnv('tokens', env) as string[] | undefined)?.[0];
  if (flags.url !== undefined) {
    const url = URL.canParse(flags.url) ? new URL(flags.url) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new OrchestratorError('invalid_input', `--url takes an http(s) URL such as http://localhost:${DEFAULTS.port}, got ${JSON.stringify(flags.url)}.`);
    }
    return { url: url.href.replace(/\/+$/, ''), token };
  }
  const host = (settingFromEnv('host', env) as string | undefined) ?? DEFAULTS.host;
  const port = (settingFromEnv('port', env) as number | undefined) ?? DEFAULTS.port;
  return { url: `http://${connectHost(host)}:${port}`, token };
}

/** A server bound to every address is reached on loopback; an IPv6 literal needs brackets in a URL. */
function connectHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** How long one request may take: a loaded server answers reads in milliseconds; this only catches a hung one. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The REST routes of a running server, with failures turned into one line that says what to do. */
export class ServerClient {
  readonly target: ServerTarget;

  constructor(target: ServerTarget) {
    this.target = target;
  }

  get(path: string, signal?: AbortSignal): Promise<unknown> {
    return this.#request('GET', path, undefined, signal);
  }

  /** Runs a tool through POST /tools/execute; its result, or its error as an OrchestratorError with the server's message. */
  async tool(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    const body = (await this.#request('POST', '/tools/execute', { tool: name, arguments: args }, signal)) as { structuredContent?: unknown };
    return body.structuredContent;
  }

  /** An event stream's body, or undefined when the server has none (an older server) or refuses it. */
  async stream(path: string, signal: AbortSignal): Promise<AsyncIterable<Uint8Array> | undefined> {
    const { url, token } = this.target;
    const res = await fetch(`${url}${path}`, { headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal });
    if (!res.ok || !res.body || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      await res.body?.cancel();
      return undefined;
    }
    return res.body as unknown as AsyncIterable<Uint8Array>;
  }

  async #request(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    const { url, token } = this.target;
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    let res: Response;
    try {
      res = await fetch(`${url}${path}`, {
        method,
        headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      if (timeout.aborted) throw new OrchestratorError('timeout', `${url} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s.`, undefined, { cause: error });
      throw new OrchestratorError('backend_unavailable', `No server at ${url}: start one with \`npm start\` or pass --url`, undefined, { cause: error });
    }
    const text = await res.text();
    // Not JSON is undefined: the status is reported, which says more than a parse error would.
    const json = parseJsonOrUndefined(text);
    if (res.status === 401) {
      const message = token
        ? `${url} refused the token: set ORCHESTRATOR_TOKEN (or pass --token) to one of the server's tokens.`
        : `${url} needs ORCHESTRATOR_TOKEN: set it (or pass --token) to the server's token.`;
      throw new OrchestratorError('not_configured', message);
    }
    const failure = errorIn(json);
    if (failure) throw new OrchestratorError(failure.code, failure.message);
    if (!res.ok || json === undefined) {
      throw new OrchestratorError('backend_error', `${url}${path} answered ${res.status} ${res.statusText || ''}`.trim() + ' (is it a claude-orchestrator server?)');
    }
    return json;
  }
}

const CODES = new Set<string>(['invalid_input', 'not_found', 'invalid_state', 'limit_exceeded', 'not_configured', 'backend_error', 'backend_unavailable', 'unavailable', 'timeout', 'cancelled', 'interrupted', 'internal']);

/** The error of a REST body ({error}) or of a tool result ({isError, structuredContent: {error}}). */
function errorIn(json: unknown): { code: ErrorCode; message: string } | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const holder = (json as { isError?: unknown; structuredContent?: unknown }).isError === true ? (json as { structuredContent?: unknown }).structuredContent : json;
  const error = (holder as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.message !== 'string') {
    // A tool error without a structured body: its text says what went wrong.
    const text = (json as { isError?: unknown; content?: Array<{ text?: unknown }> }).isError === true ? (json as { content?: Array<{ text?: unknown }> }).content?.[0]?.text : undefined;
    return typeof text === 'string' ? { code: 'backend_error', message: text } : undefined;
  }
  const code = typeof error.code === 'string' && CODES.has(error.code) ? (error.code as ErrorCode) : 'backend_error';
  return { code, message: error.message };
}
