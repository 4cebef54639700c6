import Database from 'better-sqlite3';
import { join } from 'node:path';

/**
 * The crash matrix's store invariants, read straight from WORKSPACE_DIR/orchestrator.db (read-only, beside a
 * running server): what a restarted server must hold once its recovery ran. Each broken invariant is one line.
 */

const USAGE = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_creation_1h_input_tokens', 'cache_read_input_tokens', 'cost_nanos'] as const;

export interface InstanceRow {
  readonly id: string;
  readonly state: string;
  readonly state_reason: string;
}

export interface Audit {
  readonly problems: string[];
  readonly instances: InstanceRow[];
  /** Instances with a turn recovery marked interrupted (their settled calls are charged with no reply). */
  readonly interrupted: number;
  /** Instances charged more than their messages record (calls of an interrupted turn that had settled). */
  readonly unrecorded: number;
  /** Tasks recovery ended `interrupted` (their server died while they worked). */
  readonly interruptedTasks: number;
  /** The user messages of each instance, in order. */
  userMessages(instanceId: string): string[];
}

type Row = Record<string, number | string | null>;

export function auditStore(workspace: string): Audit {
  const db = new Database(join(workspace, 'orchestrator.db'), { readonly: true, fileMustExist: true });
  try {
    const problems: string[] = [];
    const instances = db.prepare('SELECT * FROM instances').all() as Row[];
    const sums = new Map((db.prepare(`SELECT instance_id, ${USAGE.map((c) => `COALESCE(SUM(${c}), 0) AS ${c}`).join(', ')} FROM messages GROUP BY instance_id`).all() as Row[]).map((r) => [r['instance_id'], r]));
    const interruptedOf = new Map((db.prepare("SELECT instance_id, COUNT(*) AS n FROM messages WHERE role = 'user' AND error LIKE 'Interrupted%' GROUP BY instance_id").all() as Row[]).map((r) => [r['instance_id'], Number(r['n'])]));
    let interrupted = 0;
    const unrecorded = new Set<string>();
    for (const i of instances) {
      if (!['idle', 'terminated', 'failed'].includes(String(i['state']))) problems.push(`${i['id']} left ${i['state']}`);
      if (i['state'] !== 'idle' && !i['state_reason']) problems.push(`${i['id']} ended with no reason`);
      if (Number(i['held_tokens']) !== 0 || Number(i['held_nanos']) !== 0) problems.push(`${i['id']} still holds ${i['held_tokens']} tokens / ${i['held_nanos']} nanos`);
      const sum = sums.get(i['id'] as string);
      const cut = interruptedOf.get(i['id'] as string) ?? 0;
      interrupted += cut;
      for (const c of USAGE) {
        const charged = Number(i[c] ?? 0);
        const recorded = Number(sum?.[c] ?? 0);
        // A turn cut off by the crash keeps the charge of the calls it finished, with no reply to carry it:
        // then the instance may be charged more than its messages record, never less. Otherwise, exactly.
        if (charged > recorded) unrecorded.add(String(i['id']));
        if (cut === 0 ? charged !== recorded : charged < recorded) problems.push(`${i['id']} ${c}: charged ${charged}, its messages record ${recorded}${cut ? ` (${cut} interrupted)` : ''}`);
      }
    }
    const totals = db.prepare('SELECT * FROM totals WHERE id = 1').get() as Row;
    for (const c of USAGE) {
      const sum = instances.reduce((acc, i) => acc + Number(i[c] ?? 0), 0);
      if (Number(totals[c]) !== sum) problems.push(`totals ${c} ${totals[c]} != sum over instances ${sum}`);
    }
    if (Number(totals['held_tokens']) !== 0 || Number(totals['held_nanos']) !== 0) problems.push(`totals still hold ${totals['held_tokens']} tokens / ${totals['held_nanos']} nanos`);
    const holds = (db.prepare('SELECT COUNT(*) AS n FROM holds').get() as Row)['n'];
    if (Number(holds) !== 0) problems.push(`${holds} holds left`);
    const interruptedTasks = Number((db.prepare("SELECT COUNT(*) AS n FROM tasks WHERE state = 'interrupted'").get() as Row)['n']);
    const user = db.prepare("SELECT content FROM messages WHERE instance_id = ? AND role = 'user' ORDER BY seq");
    const histories = new Map<string, string[]>();
    for (const i of instances) histories.set(i['id'] as string, (user.all(i['id']) as Row[]).map((r) => String(r['content'])));
    return {
      problems,
      instances: instances.map((i) => ({ id: String(i['id']), state: String(i['state']), state_reason: String(i['state_reason'] ?? '') })),
      interrupted,
      interruptedTasks,
      unrecorded: unrecorded.size,
      userMessages: (id) => histories.get(id) ?? [],
    };
  } finally {
    db.close();
  }
}
