import { DEFAULTS } from '../config/defaults.js';
import type { ListResult } from '../orchestrator/results.js';
import type { InstanceView } from '../orchestrator/views.js';
import type { ClientFlags } from './parse-args.js';
import { resolveTarget, ServerClient } from './server-client.js';
import { renderStatus } from './status-table.js';
import { renderApprovals } from './approval-lines.js';
import type { ApprovalView } from '../approvals/approval-view.js';
import { toOrchestratorError } from '../domain/errors.js';

/** The largest page GET /instances serves. */
const PAGE = DEFAULTS.maxPageSize;
/** A table past this many rows is not read by anyone; --json pages the rest. */
const MOST_ROWS = 2_000;

/** `status`: a running server's instances as a table (or JSON), through GET /instances and its token. */
export async function runStatus(flags: ClientFlags, env: Readonly<Record<string, string | undefined>>, write: (text: string) => void): Promise<void> {
  const client = new ServerClient(resolveTarget(flags, env));
  const includeTerminated = flags.all === true;
  const instances: InstanceView[] = [];
  let page: ListResult;
  do {
    const query = new URLSearchParams({ limit: String(PAGE), offset: String(instances.length), ...(includeTerminated ? { include_terminated: 'true' } : {}) });
    page = (await client.get(`/instances?${query}`)) as ListResult;
    instances.push(...page.instances);
  } while (page.instances.length > 0 && instances.length < page.total && instances.length < MOST_ROWS);
  const data = { instances, total: page.total, totals: page.totals, includeTerminated };
  const approvals = await pendingApprovals(client);
  if (flags.json) write(`${JSON.stringify({ url: client.target.url, ...data, approvals }, null, 2)}\n`);
  else write(`${[renderStatus(data), renderApprovals(approvals)].filter((part) => part !== '').join('\n\n')}\n`);
}

/** Permission asks waiting for an answer (GET /approvals); a server from before approvals has none (404). */
async function pendingApprovals(client: ServerClient): Promise<ApprovalView[]> {
  try {
    return ((await client.get('/approvals')) as { approvals: ApprovalView[] }).approvals;
  } catch (error) {
    if (toOrchestratorError(error).code === 'not_found') return [];
    throw error;
  }
}
