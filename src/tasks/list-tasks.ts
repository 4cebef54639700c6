import { z } from 'zod';
import { DEFAULTS } from '../config/defaults.js';
import { parseInput } from '../domain/inputs.js';
import type { StoredTask } from '../store/store.js';
import { fromStored } from './task-records.js';
import type { TaskRegistry } from './task-registry.js';
import type { TaskSnapshot, TaskState } from './task-types.js';

/** Most stored tasks one list reads: a page deeper than this is refused rather than scanned. */
const MAX_TASK_SCAN = 1000;

export const TASK_STATES = ['working', 'completed', 'failed', 'cancelled', 'interrupted'] as const satisfies readonly TaskState[];

export const listTasksSchema = z.object({
  state: z.enum(TASK_STATES).optional().describe('Only tasks in this state.'),
  limit: z.number().int().min(1).max(DEFAULTS.maxPageSize).optional(),
  offset: z.number().int().min(0).max(MAX_TASK_SCAN).optional().describe(`Tasks to skip (at most ${MAX_TASK_SCAN}).`),
});
export type ListTasksInput = z.input<typeof listTasksSchema>;

/** A task in a list: everything but its result (get_task, or GET /tasks/{id}, has that). */
export type TaskSummary = Omit<TaskSnapshot, 'result'>;

export interface TaskList {
  /** Tasks that match: the store's count in the state, with this server's tasks it does not hold in that state yet. */
  total: number;
  offset: number;
  limit: number;
  tasks: TaskSummary[];
}

/** What the list reads from the store: the newest tasks in one state (an index range) and their count (a lookup). */
export interface StoredTaskReads {
  listTasks(state: string, limit: number): Promise<readonly StoredTask[]>;
  countTasks(state: string): Promise<number>;
}

/**
 * A page of tasks, newest first: this server's (working, and the last finished ones it keeps), with the
 * store's tasks in the asked state (working by default: other servers' running work). The store is read
 * for its newest offset + limit rows and their count, so the cost does not grow with the tasks stored.
 */
export async function listTasks(registry: TaskRegistry, store: StoredTaskReads, raw: ListTasksInput = {}): Promise<TaskList> {
  const input = parseInput(listTasksSchema, raw);
  const limit = input.limit ?? DEFAULTS.pageSize;
  const offset = input.offset ?? 0;
  const storedState = input.state ?? 'working';
  const local = registry.list(input.state);
  const seen = new Set(local.map((t) => t.task_id));
  const [rows, count] = await Promise.all([store.listTasks(storedState, Math.min(offset + limit, MAX_TASK_SCAN)), store.countTasks(storedState)]);
  const stored = rows.map(fromStored).filter((t) => !seen.has(t.task_id));
  const all = [...local, ...stored].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
  // This server's tasks the store does not count in that state yet (a write in flight, or another state listed).
  const unwritten = local.filter((t) => !(t.state === storedState && registry.writtenState(t.task_id) === storedState)).length;
  return { total: count + unwritten, offset, limit, tasks: all.slice(offset, offset + limit).map(summary) };
}

function summary(task: TaskSnapshot): TaskSummary {
  const { result: _result, ...rest } = task;
  return rest;
}
