import type { Owner } from '../owner.js';
import type { Hold, StoredTask } from '../store.js';

export interface TaskRow {
  id: string;
  kind: string;
  state: string;
  label: string;
  owner: string;
  request: string;
  progress: string;
  result: string | null;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

export function toTask(r: TaskRow): StoredTask {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    label: r.label,
    owner: r.owner,
    request: JSON.parse(r.request) as unknown,
    progress: JSON.parse(r.progress) as unknown,
    result: r.result === null ? undefined : (JSON.parse(r.result) as unknown),
    error: r.error === null ? undefined : (JSON.parse(r.error) as unknown),
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

export function taskParams(t: StoredTask): TaskRow {
  return {
    id: t.id,
    kind: t.kind,
    state: t.state,
    label: t.label,
    owner: t.owner,
    request: JSON.stringify(t.request ?? null),
    progress: JSON.stringify(t.progress ?? null),
    result: t.result === undefined ? null : JSON.stringify(t.result),
    error: t.error === undefined ? null : JSON.stringify(t.error),
    created_at: t.createdAt,
    finished_at: t.finishedAt,
  };
}

export interface HoldRow {
  id: string;
  instance_id: string;
  chain: string;
  owner: string;
  tokens: number;
  nanos: number;
  created_at: number;
}

export function toHold(r: HoldRow): Hold {
  return { id: r.id, instanceId: r.instance_id, chain: JSON.parse(r.chain) as string[], owner: r.owner, tokens: r.tokens, nanos: r.nanos, createdAt: r.created_at };
}

export interface OwnerRow {
  id: string;
  host: string;
  pid: number;
  process_start: string;
  started_at: string;
  address: string | null;
  heartbeat_at: string;
}

export function toOwner(r: OwnerRow): Owner {
  return { id: r.id, host: r.host, pid: r.pid, processStart: r.process_start, startedAt: r.started_at, address: r.address, heartbeatAt: r.heartbeat_at };
}
