// What the soak (../soak.mjs) measures: the server process's RSS and open handles, tasks working, the faults the
// simulator injected, the growth between two parts of a run, and the spend recorded in the SQLite store.
import { readdirSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';

/** The process's resident memory (VmRSS) and open file descriptors, from /proc. */
export function sampleProc(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { rss_mib: Math.round((rssKb / 1024) * 10) / 10, open_handles: readdirSync(`/proc/${pid}/fd`).length };
}

/** How many tasks are `working` now (GET /tasks?state=working: its total). */
export async function workingTasks(url) {
  const res = await fetch(`${url}/tasks?state=working&limit=1`);
  const body = await res.json();
  if (typeof body.total !== 'number') throw new Error(`GET /tasks answered ${res.status} without a total: ${JSON.stringify(body).slice(0, 200)}`);
  return body.total;
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};

/** Growth of the last fifth's median over the median of the fifth right after the warm-up (the first fifth). */
export function growth(samples, key) {
  const fifth = Math.max(1, Math.floor(samples.length / 5));
  const baseline = median(samples.slice(fifth, 2 * fifth).map((s) => s[key]));
  const last = median(samples.slice(-fifth).map((s) => s[key]));
  return { after_warmup: baseline, last_fifth: last, growth: Math.round((last / baseline - 1) * 1000) / 1000 };
}

/** Faults the simulator injected since its last reset (the log is reset at every sample so it stays small). */
export async function drainSimulatorLog(url, totals) {
  const res = await fetch(`${url}/_simulator/requests`);
  const requests = await res.json();
  for (const r of Array.isArray(requests) ? requests : (requests.requests ?? [])) {
    totals.model_calls++;
    if (r.fault?.source === 'random') {
      const kind = r.fault.kind === 'status' ? String(r.fault.status) : r.fault.kind;
      totals.injected[kind] = (totals.injected[kind] ?? 0) + 1;
    }
  }
  await fetch(`${url}/_simulator/reset`, { method: 'POST' });
}

/** Read-only, after the server stopped: the global totals' cost against the sums over instances and over messages. */
export function spendCheck(dbPath) {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const totals = db.prepare('SELECT cost_nanos FROM totals WHERE id = 1').get()?.cost_nanos ?? 0;
    const instances = db.prepare('SELECT COALESCE(SUM(cost_nanos), 0) AS n, COUNT(*) AS c FROM instances').get();
    const messages = db.prepare('SELECT COALESCE(SUM(cost_nanos), 0) AS n, COUNT(*) AS c, COALESCE(SUM(failed), 0) AS f FROM messages').get();
    const holds = db.prepare('SELECT COUNT(*) AS c FROM holds').get().c;
    return {
      totals_cost_nanos: totals,
      instances_cost_nanos: instances.n,
      messages_cost_nanos: messages.n,
      instances_stored: instances.c,
      messages_stored: messages.c,
      failed_turns_stored: messages.f,
      holds_left: holds,
      equal: totals === instances.n && instances.n === messages.n,
    };
  } finally {
    db.close();
  }
}
