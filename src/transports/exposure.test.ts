import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { silentLogger } from '../observability/logger.js';
import { startServer } from '../server.js';
import { rawRequest } from '../test-support/http.js';
import { allowedHostnames, isLoopbackHost } from './exposure.js';

const TOKEN = randomBytes(32).toString('hex');
const workspaceDir = () => mkdtempSync(join(tmpdir(), 'orch-ws-'));

describe('binding beyond loopback', () => {
  it.each(['0.0.0.0', '::', '192.0.2.10'])('refuses to start on %s without a token, saying why and how', async (host) => {
    const config = loadConfig({}, {}, { host, port: 0, workspaceDir: workspaceDir() });
    const start = startServer({ config, logger: silentLogger() });
    await expect(start).rejects.toThrow(/Refusing to listen on .* without a token/);
    await expect(start).rejects.toThrow(/ORCHESTRATOR_TOKEN/);
  });

  it('refuses it from the environment too, exactly as the CLI would load it', async () => {
    const config = loadConfig({ ORCHESTRATOR_HOST: '0.0.0.0', ORCHESTRATOR_PORT: '0', WORKSPACE_DIR: workspaceDir() });
    await expect(startServer({ config, logger: silentLogger() })).rejects.toThrow(/openssl rand -hex 32/);
  });

  it('starts on 0.0.0.0 with a token; requires it and accepts only loopback and ALLOWED_HOSTS names', async () => {
    const config = loadConfig(
      { ORCHESTRATOR_TOKEN: TOKEN, ALLOWED_HOSTS: 'orchestrator.example.com, 2001:db8::1' },
      {},
      { host: '0.0.0.0', port: 0, workspaceDir: workspaceDir() },
    );
    const server = await startServer({ config, logger: silentLogger() });
    try {
      const port = new URL(server.url ?? '').port;
      const base = `http://127.0.0.1:${port}`;
      const auth = { authorization: `Bearer ${TOKEN}` };
      expect((await rawRequest(base, '/instances')).status).toBe(401);
      expect((await rawRequest(base, '/instances', { headers: auth })).status).toBe(200);
      expect((await rawRequest(base, '/instances', { headers: { ...auth, host: `orchestrator.example.com:${port}` } })).status).toBe(200);
      expect((await rawRequest(base, '/instances', { headers: { ...auth, host: `[2001:db8::1]:${port}` } })).status).toBe(200);
      const foreign = await rawRequest(base, '/instances', { headers: { ...auth, host: 'evil.example' } });
      expect(foreign.status).toBe(403);
      expect(foreign.text).toMatch(/ALLOWED_HOSTS/);
    } finally {
      await server.close();
    }
  });

  it('refuses ALLOWED_HOSTS without a token: a proxy in front of a loopback bind exposes it just the same', async () => {
    const config = loadConfig({ ALLOWED_HOSTS: 'orchestrator.example.com' }, {}, { port: 0, workspaceDir: workspaceDir() });
    await expect(startServer({ config, logger: silentLogger() })).rejects.toThrow(/Refusing ALLOWED_HOSTS=orchestrator.example.com without a token/);
    const loopbackNames = loadConfig({ ALLOWED_HOSTS: 'localhost,127.0.0.1' }, {}, { port: 0, workspaceDir: workspaceDir() });
    const server = await startServer({ config: loopbackNames, logger: silentLogger() });
    await server.close();
  });

  it('refuses weak or malformed tokens at load time, without echoing them', () => {
    expect(() => loadConfig({ ORCHESTRATOR_TOKEN: 'short-secret' })).toThrow(/at least 32 characters/);
    expect(() => loadConfig({ ORCHESTRATOR_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
    expect(() => loadConfig({ ORCHESTRATOR_TOKEN: `${'x'.repeat(40)} with spaces` })).toThrow(/may only hold/);
    expect(loadConfig({ ORCHESTRATOR_TOKEN: `${'a'.repeat(32)}, ${'b'.repeat(32)}` }).tokens).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
  });

  it('refuses an ALLOWED_HOSTS entry that is a URL rather than a host name', () => {
    expect(() => loadConfig({ ALLOWED_HOSTS: 'https://orchestrator.example.com' })).toThrow(/ALLOWED_HOSTS/);
  });
});

describe('isLoopbackHost and allowedHostnames', () => {
  it('knows loopback addresses', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1', 'localhost.evil.com']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('allows loopback, a specific bound address and the configured names; never a wildcard', () => {
    expect(allowedHostnames('localhost', [])).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(allowedHostnames('0.0.0.0', ['a.example'])).toEqual(['localhost', '127.0.0.1', '[::1]', 'a.example']);
    expect(allowedHostnames('192.0.2.10', [])).toContain('192.0.2.10');
    expect(allowedHostnames('fd00::5', [])).toContain('[fd00::5]');
  });
});
