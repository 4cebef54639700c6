import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { httpStatusFor } from '../domain/errors.js';
import { STOPPED_HEARTBEAT, type Owner } from '../store/owner.js';
import { advertisedAddress, isWithin, nodeIsGone, routeSend, unavailableError, type NodeContext } from './nodes.js';

const NOW = Date.parse('2026-11-25T12:00:00.000Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

function node(id: string, host: string, heartbeatAt = ago(1), address: string | null = `http://${host}:3000`): Owner {
  return { id, host, pid: process.pid, processStart: '', startedAt: ago(600), address, heartbeatAt };
}

const self = node('a', 'machine-a');
const ctx = (over: Partial<NodeContext> = {}): NodeContext => ({ self, workspaceDir: '/ws', sharedWorkspaces: false, nowMs: NOW, deadMs: 30_000, ...over });
const instance = (nodeId: string | null, workspace = '/ws/inst_1') => ({ id: 'inst_1', node: nodeId, workspace });

describe('whether a node is gone', () => {
  it('on another host, by its heartbeat: alive up to NODE_DEAD_SECONDS, dead past it or when it cannot be read', () => {
    expect(nodeIsGone(node('b', 'machine-b', ago(29)), 'machine-a', NOW, 30_000)).toBe(false);
    expect(nodeIsGone(node('b', 'machine-b', ago(31)), 'machine-a', NOW, 30_000)).toBe(true);
    expect(nodeIsGone(node('b', 'machine-b', 'garbled'), 'machine-a', NOW, 30_000)).toBe(true);
  });

  it('on this host, by its process, whatever its heartbeat says', () => {
    // This process is alive: an hour-old heartbeat does not make it dead.
    expect(nodeIsGone(node('b', hostname(), ago(3600)), hostname(), NOW, 30_000)).toBe(false);
    expect(nodeIsGone({ ...node('b', hostname(), ago(0)), pid: 999_999_999 }, hostname(), NOW, 30_000)).toBe(true);
  });

  it('at once, on any host, when it stopped cleanly', () => {
    expect(nodeIsGone(node('b', hostname(), STOPPED_HEARTBEAT), hostname(), NOW, 30_000)).toBe(true);
    expect(nodeIsGone(node('b', 'machine-b', STOPPED_HEARTBEAT), 'machine-a', NOW, 30_000)).toBe(true);
  });
});

describe('where a send runs', () => {
  it('here for an instance with no node (api) or on this node', () => {
    expect(routeSend(instance(null), undefined, ctx())).toBe('local');
    expect(routeSend(instance('a'), self, ctx())).toBe('local');
  });

  it('on its live node elsewhere; here when that node shares this machine and workspace root', () => {
    const b = node('b', 'machine-b');
    expect(routeSend(instance('b'), b, ctx())).toEqual({ remote: b });
    // Shared workspaces or not, a live node runs its own agents.
    expect(routeSend(instance('b'), b, ctx({ sharedWorkspaces: true }))).toEqual({ remote: b });
    const neighbour = node('n', 'machine-a');
    expect(routeSend(instance('n'), neighbour, ctx())).toBe('local');
    expect(routeSend(instance('n', '/elsewhere/inst_1'), neighbour, ctx())).toEqual({ remote: neighbour });
  });

  it('nowhere while its dead node is out of reach; taken over when its workspace is reachable here', () => {
    const dead = node('b', 'machine-b', ago(60));
    expect(routeSend(instance('b'), dead, ctx())).toEqual({ unavailable: dead });
    expect(routeSend(instance('b'), dead, ctx({ sharedWorkspaces: true }))).toEqual({ takeOver: dead });
    // A shared volume mounted elsewhere than this node's WORKSPACE_DIR is not reachable.
    expect(routeSend(instance('b', '/mnt/other/inst_1'), dead, ctx({ sharedWorkspaces: true }))).toEqual({ unavailable: dead });
    expect(routeSend(instance('x'), undefined, ctx())).toEqual({ unavailable: { id: 'x' } });
  });

  it('taken over from a dead node when its workspace is found on this disk under this WORKSPACE_DIR (the same volume, another host name)', () => {
    const dead = node('b', 'pod-2', ago(60));
    const onDisk = (path: string) => path === '/ws/inst_1';
    expect(routeSend(instance('b'), dead, ctx({ workspaceExists: onDisk }))).toEqual({ takeOver: dead });
    expect(routeSend(instance('b', '/ws/inst_2'), dead, ctx({ workspaceExists: onDisk }))).toEqual({ unavailable: dead });
    // While the node lives, its agent may be running: found on this disk or not, it runs there.
    expect(routeSend(instance('b'), node('b', 'pod-2'), ctx({ workspaceExists: onDisk }))).toEqual({ remote: node('b', 'pod-2') });
  });
});

describe('what the errors say', () => {
  it('names the node, its address and its last heartbeat, and what would help', () => {
    const error = unavailableError('inst_1', node('b', 'machine-b', ago(60)));
    expect(error.code).toBe('unavailable');
    expect(httpStatusFor(error.code)).toBe(503);
    expect(error.message).toBe(
      `Instance inst_1 runs on node b (http://machine-b:3000), which stopped heartbeating at ${ago(60)}; it is unavailable until that node returns. ` +
        'Its agent and workspace live on that node. If WORKSPACE_DIR is a volume every node shares, set SHARED_WORKSPACES=true so another node resumes it.',
    );
    expect(error.details).toEqual({ instance_id: 'inst_1', node: 'b', address: 'http://machine-b:3000', heartbeat_at: ago(60) });
    expect(unavailableError('inst_1', { id: 'x' }).message).toMatch(/^Instance inst_1 runs on node x, which this store has no record of;/);
  });
});

describe('paths and addresses', () => {
  it('tells a path inside a directory from one beside or above it', () => {
    expect(isWithin('/ws/inst_1', '/ws')).toBe(true);
    expect(isWithin('/ws/a/b', '/ws/')).toBe(true);
    expect(isWithin('/ws', '/ws')).toBe(false);
    expect(isWithin('/wsx/inst_1', '/ws')).toBe(false);
    expect(isWithin('/other', '/ws')).toBe(false);
  });

  it('announces NODE_ADDRESS if set, else the listen URL with a wildcard bind named by the host', () => {
    expect(advertisedAddress('http://127.0.0.1:3000', undefined)).toBe('http://127.0.0.1:3000');
    expect(advertisedAddress('http://0.0.0.0:3000', undefined, 'node-a')).toBe('http://node-a:3000');
    expect(advertisedAddress('http://[::]:3000', undefined, 'node-a')).toBe('http://node-a:3000');
    expect(advertisedAddress('http://0.0.0.0:3000', 'https://a.example.com/', 'node-a')).toBe('https://a.example.com');
  });
});
