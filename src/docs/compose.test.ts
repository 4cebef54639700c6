import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULTS } from '../config/defaults.js';
import { loadConfig } from '../config/load-config.js';
import { SETTINGS } from '../config/settings.js';

/**
 * No container engine runs here, so compose.yaml, the Dockerfile and deploy/nginx.conf are checked as files:
 * against each other, against the settings the server really reads, and against docs/multi-node.md, so the
 * example and its documentation can't drift apart.
 */
const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

interface Service {
  readonly image?: string;
  readonly build?: string;
  readonly hostname?: string;
  readonly environment?: Record<string, string | null>;
  readonly volumes?: string[];
  readonly ports?: string[];
  readonly depends_on?: Record<string, { condition: string }> | string[];
  readonly healthcheck?: { test: string[] | string };
}
interface Compose {
  readonly services: Record<string, Service>;
  readonly volumes: Record<string, unknown>;
}

const compose = parse(read('compose.yaml'), { merge: true }) as Compose;
const services = compose.services;
const nodes = ['node1', 'node2', 'node3'] as const;
const docs = read('docs/multi-node.md');
const nginx = read('deploy/nginx.conf');
const dockerfile = read('Dockerfile');
const settingEnvs = new Set<string>(SETTINGS.map((s) => s.env));

const env = (service: string): Record<string, string | null> => services[service]?.environment ?? {};
/** A `${NAME...}` interpolation's variable names. */
const interpolated = (value: string): string[] => [...value.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] as string);
/** The value compose would give with every interpolated variable set to `sample`, or its `:-default` when it has one. */
const resolve = (value: string, sample: string): string => value.replace(/\$\{[A-Z_][A-Z0-9_]*(?::-([^}]*)|:\?[^}]*)?\}/g, (_, fallback?: string) => fallback ?? sample);
const SAMPLE = 'Abcdefghijklmnopqrstuvwxyz0123456789';
/** The `server host:port` lines of nginx's upstream block. */
const upstreamServers = (): string[] => {
  const block = /upstream\s+orchestrator\s*\{([^}]*)\}/.exec(nginx)?.[1] ?? '';
  return [...block.matchAll(/^\s*server\s+(\S+?)(?:\s[^;]*)?;/gm)].map((m) => m[1] as string);
};

describe('compose.yaml', () => {
  it('runs postgres, three nodes and a balancer', () => {
    expect(Object.keys(services).sort()).toEqual(['balancer', 'node1', 'node2', 'node3', 'postgres']);
    expect(services.postgres?.image).toBe('postgres:15');
    expect(services.balancer?.image).toMatch(/^nginx:/);
  });

  it('gives PostgreSQL a volume, a pg_isready healthcheck and its password from the environment', () => {
    const pg = services.postgres as Service;
    expect(pg.volumes?.some((v) => v.endsWith(':/var/lib/postgresql/data'))).toBe(true);
    expect(JSON.stringify(pg.healthcheck?.test)).toContain('pg_isready');
    expect(interpolated(env('postgres').POSTGRES_PASSWORD ?? '')).toEqual(['POSTGRES_PASSWORD']);
  });

  it('builds every node from one image, started once PostgreSQL is healthy and checked on /health', () => {
    for (const name of nodes) {
      const node = services[name] as Service;
      expect(node.build, name).toBe('.');
      expect(node.image, name).toBe(services.node1?.image);
      expect(node.depends_on, name).toEqual({ postgres: { condition: 'service_healthy' } });
      // A restarted node takes its claude-code instances back by host name: it must not change when compose recreates the container.
      expect(node.hostname, name).toBe(name);
      expect(JSON.stringify(node.healthcheck?.test), name).toContain(`127.0.0.1:${env(name).ORCHESTRATOR_PORT}/health`);
    }
  });

  it('points every node at the same PostgreSQL database, the postgres service', () => {
    const urls = new Set(nodes.map((n) => env(n).ORCHESTRATOR_DB));
    expect(urls.size).toBe(1);
    const raw = [...urls][0] ?? '';
    expect(raw.startsWith('postgres://')).toBe(true);
    expect(interpolated(raw)).toEqual(['POSTGRES_PASSWORD']);
    const url = new URL(resolve(raw, 'secret'));
    expect(url.hostname).toBe('postgres');
    expect(url.port).toBe('5432');
    expect(url.username).toBe(env('postgres').POSTGRES_USER);
    expect(url.pathname).toBe(`/${env('postgres').POSTGRES_DB}`);
  });

  it('gives every node its own workspace volume, mounted at its WORKSPACE_DIR', () => {
    const volumes = nodes.map((name) => {
      const dir = env(name).WORKSPACE_DIR;
      const mounts = (services[name]?.volumes ?? []).filter((v) => v.endsWith(`:${dir}`));
      expect(mounts, name).toHaveLength(1);
      const volume = (mounts[0] ?? '').split(':')[0] ?? '';
      expect(Object.keys(compose.volumes), name).toContain(volume);
      // The naming docs/multi-node.md describes ("node1-workspaces, ...").
      expect(volume).toBe(`${name}-workspaces`);
      return volume;
    });
    expect(new Set(volumes).size).toBe(nodes.length);
  });

  it('sets only real settings on the nodes, with values the server accepts, and the same ones on each node', () => {
    for (const name of nodes) {
      const e = env(name);
      expect(Object.keys(e), name).toEqual(Object.keys(env('node1')));
      for (const key of Object.keys(e)) expect(settingEnvs, `${name}: ${key}`).toContain(key);
      for (const key of ['ORCHESTRATOR_DB', 'ORCHESTRATOR_HOST', 'ORCHESTRATOR_TOKEN', 'ALLOWED_HOSTS', 'ANTHROPIC_API_KEY', 'WORKSPACE_DIR']) expect(Object.keys(e), name).toContain(key);
      expect(e.ORCHESTRATOR_HOST).toBe('0.0.0.0');
      // Other nodes and error messages name a node by this address: the service's own name on the nodes' port.
      expect(e.NODE_ADDRESS).toBe(`http://${name}:${e.ORCHESTRATOR_PORT}`);
      // Secrets come from the environment, never written in the file.
      expect(interpolated(e.ORCHESTRATOR_TOKEN ?? '')).toEqual(['ORCHESTRATOR_TOKEN']);
      expect(e.ANTHROPIC_API_KEY).toBeNull();
      const resolved = Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v === null ? SAMPLE : resolve(v, SAMPLE)]));
      expect(() => loadConfig(resolved), name).not.toThrow();
    }
  });

  it("accepts the balancer's name as a host by default", () => {
    const config = loadConfig({ ALLOWED_HOSTS: resolve(env('node1').ALLOWED_HOSTS ?? '', SAMPLE) });
    expect(config.allowedHosts).toEqual(['balancer']);
  });

  it('publishes only the balancer, on loopback, on the port nginx listens on', () => {
    for (const name of [...nodes, 'postgres']) expect(services[name]?.ports, name).toBeUndefined();
    const listen = /^\s*listen\s+(\d+);/m.exec(nginx)?.[1];
    expect(services.balancer?.ports).toEqual([`127.0.0.1:${listen}:${listen}`]);
    const mount = services.balancer?.volumes?.find((v) => v.includes('nginx'));
    expect(mount?.split(':')[0]).toBe('./deploy/nginx.conf');
    expect(existsSync(new URL('../../deploy/nginx.conf', import.meta.url))).toBe(true);
  });
});

describe('deploy/nginx.conf', () => {
  it('balances over exactly the node services, on their port', () => {
    expect(upstreamServers()).toEqual(nodes.map((n) => `${n}:${env(n).ORCHESTRATOR_PORT}`));
  });

  it("passes the client's Host, takes bodies as large as the nodes do and waits as long as a send may run", () => {
    expect(nginx).toMatch(/proxy_set_header\s+Host\s+\$host;/);
    expect(nginx).toContain(`client_max_body_size ${DEFAULTS.maxRequestBytes / (1024 * 1024)}m;`);
    const timeouts = [...nginx.matchAll(/proxy_read_timeout\s+(\d+)s;/g)].map((m) => Number(m[1]));
    expect(Math.min(...timeouts)).toBeGreaterThan(DEFAULTS.sendTimeoutSeconds);
    for (const path of ['/mcp', '/events']) expect(nginx).toMatch(new RegExp(`location ${path} \\{[^}]*proxy_buffering off;`));
  });
});

describe('Dockerfile', () => {
  it("runs the README's start command on node:20-slim after npm ci", () => {
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toMatch(/^RUN npm ci$/m);
    expect(dockerfile).toMatch(/^CMD \["npm", "start"\]$/m);
    expect(read('README.md')).toMatch(/^npm start\s/m);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('node dist/cli.js serve');
  });

  it("defaults to the workspace directory compose mounts, and exposes the nodes' port", () => {
    expect(dockerfile).toContain(`WORKSPACE_DIR=${env('node1').WORKSPACE_DIR}`);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${env('node1').ORCHESTRATOR_PORT}$`, 'm'));
  });
});

describe('docs/multi-node.md', () => {
  it('names the services, images and environment variables of compose.yaml', () => {
    for (const name of Object.keys(services)) expect(docs, name).toContain(`\`${name}\``);
    for (const volume of ['postgres-data', 'node1-workspaces']) expect(Object.keys(compose.volumes)).toContain(volume);
    expect(docs).toMatch(/`postgres-data`[\s\S]*`node1-workspaces`, \.\.\./);
    for (const image of [services.postgres?.image, services.balancer?.image, services.node1?.image, 'node:20-slim']) expect(docs).toContain(`\`${image}\``);
    const names = new Set<string>();
    for (const [service, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (service !== 'postgres' || key === 'POSTGRES_PASSWORD') names.add(key);
        for (const v of interpolated(value ?? '')) names.add(v);
      }
    }
    for (const name of names) expect(docs, name).toContain(`\`${name}\``);
    expect(docs).toContain(`\`${env('node1').ORCHESTRATOR_DB}\``);
  });

  it("quotes the balancer's upstream as deploy/nginx.conf has it", () => {
    for (const server of upstreamServers()) expect(docs).toMatch(new RegExp(`server ${server}[ ;]`));
  });

  it("gives the multi-node settings' defaults as the server has them", () => {
    const section = docs.split('Settings that matter only with several nodes')[1]?.split('\n## ')[0] ?? '';
    const rows = [...section.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1] as string, (m[2] as string).trim()] as const);
    expect(rows.map(([name]) => name)).toEqual(['NODE_HEARTBEAT_SECONDS', 'NODE_DEAD_SECONDS', 'NODE_ADDRESS', 'SHARED_WORKSPACES']);
    for (const [name, shown] of rows) expect(shown, name).toBe(SETTINGS.find((s) => s.env === name)?.defaultText);
  });

  it('names only variables the server or compose.yaml really reads', () => {
    const composeNames = new Set(Object.values(services).flatMap((s) => Object.entries(s.environment ?? {}).flatMap(([k, v]) => [k, ...interpolated(v ?? '')])));
    const mentioned = [...docs.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)].map((m) => m[1] as string);
    for (const name of new Set(mentioned)) expect(settingEnvs.has(name) || composeNames.has(name), name).toBe(true);
  });
});
