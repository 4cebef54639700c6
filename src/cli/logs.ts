import { DEFAULTS } from '../config/defaults.js';
import { OrchestratorError } from '../domain/errors.js';
import type { ListResult, OutputResult } from '../orchestrator/results.js';
import type { InstanceView } from '../orchestrator/views.js';
import { stripControls } from '../text/terminal-safe.js';
import { formatMessage } from './message-format.js';
import type { ClientFlags } from './parse-args.js';
import { resolveTarget, ServerClient } from './server-client.js';
import { Wakeups } from './wakeups.js';

/** The largest page get_instance_output and GET /instances serve. */
const PAGE = DEFAULTS.maxPageSize;
/** How many instances a prefix or a name is looked for among (newest first). */
const MOST_SEARCHED = 2_000;
const FULL_ID = /^[a-z]+_[0-9a-f]{32}$/;

export interface LogsIo {
  readonly write: (text: string) => void;
  /** Ctrl-C: stop following, quietly. */
  readonly signal?: AbortSignal;
}

/**
 * `logs <instance> [--follow]`: an instance's conversation through get_instance_output, then new messages as they
 * come (read again at each of the instance's events on GET /events, or every half second without that stream).
 */
export async function runLogs(flags: ClientFlags, env: Readonly<Record<string, string | undefined>>, io: LogsIo): Promise<void> {
  const tail = flags.tail === undefined ? undefined : parseTail(flags.tail);
  const client = new ServerClient(resolveTarget(flags, env));
  const { id, first } = await resolveInstance(client, flags.instance ?? '');
  const print = (m: OutputResult['messages'][number]) => io.write(flags.json ? `${JSON.stringify({ instance_id: id, ...m })}\n` : `${formatMessage(m)}\n`);
  let offset = tail === undefined ? 0 : Math.max(0, first.total - tail);
  // Following: listen for the instance's events before the first read, so nothing between them is missed.
  const done = new AbortController();
  const signal = io.signal ? AbortSignal.any([io.signal, done.signal]) : done.signal;
  const wakeups = flags.follow ? new Wakeups(client, id, signal) : undefined;
  await wakeups?.ready;
  try {
    for (;;) {
      const page = (await client.tool('get_instance_output', { instance_id: id, limit: PAGE, offset }, io.signal)) as OutputResult;
      page.messages.forEach(print);
      offset += page.messages.length;
      if (page.messages.length === PAGE) continue;
      if (!flags.follow) return;
      if (page.state === 'terminated' || page.state === 'failed') {
        const view = (await client.get(`/instances/${encodeURIComponent(id)}`, io.signal)) as InstanceView;
        const end = `-- ${id} ${view.state}: ${stripControls(view.state_reason)}\n`;
        if (flags.json) process.stderr.write(end);
        else io.write(end);
        return;
      }
      await wakeups?.next(signal);
    }
  } catch (error) {
    if (io.signal?.aborted) return;
    throw error;
  } finally {
    // Closes the event stream, which would otherwise keep the process alive.
    done.abort();
  }
}

function parseTail(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 0) throw new OrchestratorError('invalid_input', `--tail takes an integer of 0 or more, got ${JSON.stringify(raw)}.`);
  return n;
}

/**
 * The instance an argument names: its id, else (for convenience, as `status` shows short ids) a unique id prefix
 * or an exact name among the newest instances. Nothing found: the server's own not_found message.
 */
async function resolveInstance(client: ServerClient, arg: string): Promise<{ id: string; first: OutputResult }> {
  try {
    return { id: arg, first: (await client.tool('get_instance_output', { instance_id: arg, limit: 1 })) as OutputResult };
  } catch (error) {
    if (!(error instanceof OrchestratorError) || error.code !== 'not_found' || FULL_ID.test(arg)) throw error;
    const matches = (await searchInstances(client)).filter((v) => v.instance_id.startsWith(arg) || v.name === arg);
    if (matches.length === 0) throw error;
    if (matches.length > 1) {
      const shown = matches.slice(0, 5).map((v) => `${v.instance_id} (${v.name}, ${v.state})`);
      throw new OrchestratorError('invalid_input', `${JSON.stringify(arg)} matches ${matches.length} instances: ${shown.join(', ')}${matches.length > 5 ? ', …' : ''}. Give more of the id.`);
    }
    const id = (matches[0] as InstanceView).instance_id;
    return { id, first: (await client.tool('get_instance_output', { instance_id: id, limit: 1 })) as OutputResult };
  }
}

async function searchInstances(client: ServerClient): Promise<InstanceView[]> {
  const found: InstanceView[] = [];
  let page: ListResult;
  do {
    page = (await client.get(`/instances?include_terminated=true&limit=${PAGE}&offset=${found.length}`)) as ListResult;
    found.push(...page.instances);
  } while (page.instances.length > 0 && found.length < page.total && found.length < MOST_SEARCHED);
  return found;
}
