import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../dashboard/dashboard-routes.js';
import { rawRequest } from '../test-support/http.js';
import { startStack, type Stack } from '../test-support/stack.js';

const TOKEN = randomBytes(32).toString('hex');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let secured: Stack;
let open: Stack;
beforeAll(async () => {
  [secured, open] = await Promise.all([startStack({ tokens: [TOKEN] }), startStack()]);
});
afterAll(async () => {
  await Promise.all([secured.close(), open.close()]);
});

/** Signs in through the login form; returns the `name=value` to send back as Cookie. */
async function signIn(): Promise<string> {
  const res = await rawRequest(secured.url, '/login', { method: 'POST', headers: FORM, body: `token=${TOKEN}` });
  expect(res.status).toBe(303);
  const cookie = String(res.headers['set-cookie'] ?? '');
  return cookie.split(';')[0] ?? '';
}

describe('the dashboard page', () => {
  it('without a token configured, / is the dashboard, served with a strict CSP and no inline script', async () => {
    const res = await rawRequest(open.url, '/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.text).toContain('data-auth="open"');
    expect(res.text).toMatch(/<script src="\/dashboard\.js\?v=[\w-]{16}" defer><\/script>/);
    expect(res.text).not.toMatch(/<script>|<style>| on\w+=/);
  });

  it('serves its assets with their types, an ETag (304 when unchanged), and long caching only for the versioned URL', async () => {
    const page = await rawRequest(open.url, '/');
    const version = /dashboard\.js\?v=([\w-]+)/.exec(page.text)?.[1];
    const js = await rawRequest(open.url, `/dashboard.js?v=${version}`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.text).toContain('new EventSource');
    const css = await rawRequest(open.url, '/dashboard.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('no-cache');
    const again = await rawRequest(open.url, '/dashboard.css', { headers: { 'if-none-match': String(css.headers['etag']) } });
    expect(again.status).toBe(304);
    expect((await rawRequest(open.url, '/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
    expect((await rawRequest(open.url, '/dashboard.js', { method: 'POST', headers: { 'x-orchestrator-csrf': '1' }, body: '' })).status).toBe(405);
  });

  it('names the new routes in the 404', async () => {
    const res = await rawRequest(open.url, '/nope');
    expect(res.status).toBe(404);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/\/events.*\/tasks\/\{id\}\/cancel/);
  });
});

describe('signing in with ORCHESTRATOR_TOKEN set', () => {
  it('/ is a login form, and the data routes stay closed', async () => {
    const res = await rawRequest(secured.url, '/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<form method="post" action="/login"');
    expect(res.text).not.toContain('data-auth');
    expect((await rawRequest(secured.url, '/instances')).status).toBe(401);
    expect((await rawRequest(secured.url, '/events')).status).toBe(401);
    expect((await rawRequest(secured.url, '/dashboard.js')).status).toBe(200);
  });

  it('a wrong token gets the form again with an error, and no cookie', async () => {
    const res = await rawRequest(secured.url, '/login', { method: 'POST', headers: FORM, body: 'token=wrong-token-<script>' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('That token is not valid for this server.');
    expect(res.text).not.toContain('<script>');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('the right token sets an HttpOnly, SameSite=Strict session cookie that holds no token and opens every read', async () => {
    const res = await rawRequest(secured.url, '/login', { method: 'POST', headers: FORM, body: `token=${TOKEN}` });
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/');
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^orchestrator_session=[\w.-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(';')[0] ?? '';
    const page = await rawRequest(secured.url, '/', { headers: { cookie } });
    expect(page.text).toContain('data-auth="required"');
    const list = await rawRequest(secured.url, '/instances', { headers: { cookie } });
    expect(list.status).toBe(200);
    const health = await rawRequest(secured.url, '/health', { headers: { cookie } });
    expect(health.json()).toMatchObject({ limits: { max_instances: expect.any(Number), max_total_cost_usd: expect.any(Number) } });
    expect((await rawRequest(secured.url, '/events', { headers: { cookie }, sseHeadersOnly: true })).status).toBe(200);
  });

  it('a JSON login works too', async () => {
    const res = await rawRequest(secured.url, '/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: TOKEN }) });
    expect(res.status).toBe(303);
  });

  it('a change made with only the cookie needs the dashboard header (CSRF); the bearer token never does', async () => {
    const cookie = await signIn();
    const body = JSON.stringify({ tool: 'spawn_claude', arguments: { name: 'csrf' } });
    const json = { 'content-type': 'application/json' };
    const bare = await rawRequest(secured.url, '/tools/execute', { method: 'POST', headers: { ...json, cookie }, body });
    expect(bare.status).toBe(403);
    expect(bare.json<{ error: { message: string } }>().error.message).toMatch(/x-orchestrator-csrf/);
    expect((await rawRequest(secured.url, '/instances/inst_x', { method: 'DELETE', headers: { cookie } })).status).toBe(403);
    const marked = await rawRequest(secured.url, '/tools/execute', { method: 'POST', headers: { ...json, cookie, 'x-orchestrator-csrf': '1' }, body });
    expect(marked.status).toBe(200);
    const bearer = await rawRequest(secured.url, '/tools/execute', { method: 'POST', headers: { ...json, authorization: `Bearer ${TOKEN}` }, body });
    expect(bearer.status).toBe(200);
  });

  it('refuses a tampered cookie, a login from another origin, and ends the session on sign-out', async () => {
    const cookie = await signIn();
    const tampered = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await rawRequest(secured.url, '/instances', { headers: { cookie: tampered } })).status).toBe(401);
    expect((await rawRequest(secured.url, '/instances', { headers: { cookie: `orchestrator_session=${TOKEN}` } })).status).toBe(401);
    const crossSite = await rawRequest(secured.url, '/login', { method: 'POST', headers: { ...FORM, origin: 'http://evil.example' }, body: `token=${TOKEN}` });
    expect(crossSite.status).toBe(403);
    const out = await rawRequest(secured.url, '/logout', { method: 'POST', headers: { cookie, 'x-orchestrator-csrf': '1' } });
    expect(out.status).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/^orchestrator_session=; .*Max-Age=0$/);
  });

  it('sign-out ends the session on the server: a copy of the cookie kept elsewhere is refused, other sessions go on', async () => {
    const [ended, other] = [await signIn(), await signIn()];
    expect((await rawRequest(secured.url, '/instances', { headers: { cookie: ended } })).status).toBe(200);
    expect((await rawRequest(secured.url, '/logout', { method: 'POST', headers: { cookie: ended, 'x-orchestrator-csrf': '1' } })).status).toBe(303);
    const after = await rawRequest(secured.url, '/instances', { headers: { cookie: ended } });
    expect(after.status).toBe(401);
    expect((await rawRequest(secured.url, '/', { headers: { cookie: ended } })).text).toContain('action="/login"');
    expect((await rawRequest(secured.url, '/instances', { headers: { cookie: other } })).status).toBe(200);
  });

  it('a sign-out another page could forge (no CSRF header) is refused with 403 and the header to send', async () => {
    const cookie = await signIn();
    const forged = await rawRequest(secured.url, '/logout', { method: 'POST', headers: { ...FORM, cookie }, body: '' });
    expect(forged.status).toBe(403);
    expect(forged.json<{ error: { message: string } }>().error.message).toMatch(/x-orchestrator-csrf: 1/);
    expect((await rawRequest(secured.url, '/instances', { headers: { cookie } })).status).toBe(200);
  });
});

describe('forgeable requests without a token (CSRF from another local page)', () => {
  it('refuses a body-less or form POST that lacks the header, on every POST route; JSON, the header or DELETE pass', async () => {
    const task = await rawRequest(open.url, '/tasks/task_missing/cancel', { method: 'POST' });
    expect(task.status).toBe(403);
    expect(task.headers['content-type']).toMatch(/^application\/json/);
    expect(task.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/x-orchestrator-csrf: 1.*application\/json/) });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const body = JSON.stringify({ tool: 'spawn_claude', arguments: { name: 'forged' } });
      expect((await rawRequest(open.url, '/tools/execute', { method: 'POST', headers: { 'content-type': type }, body })).status).toBe(403);
    }
    expect((await rawRequest(open.url, '/logout', { method: 'POST' })).status).toBe(403);
    expect((await rawRequest(open.url, '/tasks/task_missing/cancel', { method: 'POST', headers: { 'x-orchestrator-csrf': '1' } })).status).toBe(404);
    const json = await rawRequest(open.url, '/tools/execute', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ tool: 'spawn_claude', arguments: { name: 'json' } }) });
    expect(json.status).toBe(200);
    // DELETE can't be sent cross-origin without a preflight: it needs no header.
    const id = json.json<{ structuredContent: { instance_id: string } }>().structuredContent.instance_id;
    expect((await rawRequest(open.url, `/instances/${id}`, { method: 'DELETE' })).status).toBe(200);
  });
});
