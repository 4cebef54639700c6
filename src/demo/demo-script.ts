import type { ParsedRequest, ReplyRule, ReplySpec } from '../simulator/simulator.js';

/**
 * Scripted, role-appropriate replies for the offline demo: the architect plans (JSON) and integrates, the
 * backend developer writes a small HTTP API, the frontend developer a page that uses it. Every file is a
 * fenced block named by the line before it, as a real model is asked to do.
 */

function lastUserText(request: ParsedRequest): string {
  const last = [...request.messages].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  return typeof last.content === 'string' ? last.content : last.content.map((b) => ('text' in b && typeof b.text === 'string' ? b.text : '')).join('\n');
}

/** The instance id listed next to a role in the plan prompt's team list. */
function memberId(prompt: string, role: string): string | undefined {
  const line = prompt.split('\n').find((l) => l.includes(`(${role})`) && /inst_[0-9a-f]{32}/.test(l));
  return /inst_[0-9a-f]{32}/.exec(line ?? '')?.[0];
}

function architect(request: ParsedRequest): ReplySpec {
  const prompt = lastUserText(request);
  if (prompt.includes('"subtasks"')) {
    const backend = memberId(prompt, 'backend_developer');
    const frontend = memberId(prompt, 'frontend_developer');
    return JSON.stringify({
      subtasks: [
        {
          id: 't1',
          assignee: backend,
          description:
            'Build the task API with Node.js built-ins only, in server/: GET /api/tasks, POST /api/tasks {title}, PATCH /api/tasks/:id {done}, DELETE /api/tasks/:id; in-memory store; JSON errors; also serve ../web statically.',
          depends_on: [],
        },
        {
          id: 't2',
          assignee: frontend,
          description: 'Build the single-page UI in web/ (index.html, app.js, style.css) that lists, adds, completes and deletes tasks through the API of t1.',
          depends_on: ['t1'],
        },
      ],
    });
  }
  return [
    '# Task manager: integration',
    '',
    'The backend (t1) exposes a small JSON API and serves the web UI (t2); the UI calls the API with `fetch`.',
    'Start it with `node server/server.js` and open http://localhost:3000.',
    '',
    '`README.md`',
    '```markdown',
    '# Task manager',
    '',
    'A tiny task-management app built by three Claude instances: an architect, a backend developer and a frontend developer.',
    '',
    '    node server/server.js   # then open http://localhost:3000',
    '',
    '| Method | Path | Body |',
    '|---|---|---|',
    '| GET | /api/tasks | |',
    '| POST | /api/tasks | {"title": "..."} |',
    '| PATCH | /api/tasks/:id | {"done": true} |',
    '| DELETE | /api/tasks/:id | |',
    '```',
  ].join('\n');
}

const BACKEND = [
  'Here is the API. It uses only Node.js built-ins and keeps tasks in memory.',
  '',
  '`package.json`',
  '```json',
  '{ "name": "task-manager", "private": true, "type": "module", "scripts": { "start": "node server/server.js" } }',
  '```',
  '',
  '`server/tasks.js`',
  '```js',
  "import { randomUUID } from 'node:crypto';",
  '',
  '/** An in-memory task store. */',
  'export function createTaskStore() {',
  '  const tasks = new Map();',
  '  return {',
  '    list: () => [...tasks.values()],',
  '    add(title) {',
  "      if (typeof title !== 'string' || title.trim() === '') throw new Error('title is required');",
  '      const task = { id: randomUUID(), title: title.trim(), done: false, createdAt: new Date().toISOString() };',
  '      tasks.set(task.id, task);',
  '      return task;',
  '    },',
  '    update(id, patch) {',
  '      const task = tasks.get(id);',
  '      if (!task) return undefined;',
  "      if (typeof patch.done === 'boolean') task.done = patch.done;",
  "      if (typeof patch.title === 'string' && patch.title.trim() !== '') task.title = patch.title.trim();",
  '      return task;',
  '    },',
  '    remove: (id) => tasks.delete(id),',
  '  };',
  '}',
  '```',
  '',
  '`server/server.js`',
  '```js',
  "import { createServer } from 'node:http';",
  "import { readFile } from 'node:fs/promises';",
  "import { extname, join, normalize } from 'node:path';",
  "import { fileURLToPath } from 'node:url';",
  "import { createTaskStore } from './tasks.js';",
  '',
  "const web = fileURLToPath(new URL('../web/', import.meta.url));",
  "const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };",
  'const store = createTaskStore();',
  '',
  'function send(res, status, body) {',
  "  res.writeHead(status, { 'content-type': 'application/json' });",
  '  res.end(JSON.stringify(body));',
  '}',
  '',
  'async function body(req) {',
  '  let text = "";',
  '  for await (const chunk of req) text += chunk;',
  '  return text ? JSON.parse(text) : {};',
  '}',
  '',
  'createServer(async (req, res) => {',
  "  const url = new URL(req.url, 'http://localhost');",
  '  const match = /^\\/api\\/tasks(?:\\/([\\w-]+))?$/.exec(url.pathname);',
  '  try {',
  "    if (match && req.method === 'GET' && !match[1]) return send(res, 200, store.list());",
  "    if (match && req.method === 'POST' && !match[1]) return send(res, 201, store.add((await body(req)).title));",
  "    if (match && req.method === 'PATCH' && match[1]) {",
  '      const task = store.update(match[1], await body(req));',
  "      return task ? send(res, 200, task) : send(res, 404, { error: 'no such task' });",
  '    }',
  "    if (match && req.method === 'DELETE' && match[1]) return send(res, store.remove(match[1]) ? 204 : 404, {});",
  "    const file = normalize(url.pathname === '/' ? 'index.html' : url.pathname.slice(1));",
  "    if (file.startsWith('..')) return send(res, 404, { error: 'not found' });",
  "    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'text/plain' });",
  '    res.end(await readFile(join(web, file)));',
  '  } catch (error) {',
  "    send(res, error.code === 'ENOENT' ? 404 : 400, { error: error.message });",
  '  }',
  "}).listen(3000, () => console.log('Task manager on http://localhost:3000'));",
  '```',
].join('\n');

const FRONTEND = [
  'The UI talks to the API from t1 with fetch; no build step.',
  '',
  '`web/index.html`',
  '```html',
  '<!doctype html>',
  '<html lang="en">',
  '<head><meta charset="utf-8"><title>Tasks</title><link rel="stylesheet" href="style.css"></head>',
  '<body>',
  '  <main>',
  '    <h1>Tasks</h1>',
  '    <form id="add"><input id="title" placeholder="What needs doing?" required><button>Add</button></form>',
  '    <ul id="tasks"></ul>',
  '  </main>',
  '  <script type="module" src="app.js"></script>',
  '</body>',
  '</html>',
  '```',
  '',
  '`web/app.js`',
  '```js',
  "const list = document.querySelector('#tasks');",
  "const api = (path, options) => fetch(`/api/tasks${path}`, { headers: { 'content-type': 'application/json' }, ...options });",
  '',
  'async function render() {',
  "  const tasks = await (await api('')).json();",
  '  list.replaceChildren(...tasks.map((task) => {',
  "    const item = document.createElement('li');",
  "    const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: task.done });",
  "    box.onchange = async () => { await api(`/${task.id}`, { method: 'PATCH', body: JSON.stringify({ done: box.checked }) }); render(); };",
  "    const remove = Object.assign(document.createElement('button'), { textContent: 'Delete' });",
  "    remove.onclick = async () => { await api(`/${task.id}`, { method: 'DELETE' }); render(); };",
  "    item.append(box, ` ${task.title} `, remove);",
  '    return item;',
  '  }));',
  '}',
  '',
  "document.querySelector('#add').onsubmit = async (event) => {",
  '  event.preventDefault();',
  "  const title = document.querySelector('#title');",
  "  await api('', { method: 'POST', body: JSON.stringify({ title: title.value }) });",
  "  title.value = '';",
  '  render();',
  '};',
  'render();',
  '```',
  '',
  '`web/style.css`',
  '```css',
  'body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; }',
  'li { list-style: none; padding: 0.25rem 0; }',
  '```',
].join('\n');

/**
 * Matched on the role prompt's first sentence, not a bare title: Claude Code's own prompt mentions a
 * "Software architect agent", and its agent must get the simulator's own replies (a Write call).
 */
export const DEMO_SCRIPT: ReplyRule[] = [
  { match: { system: 'You are a software architect.' }, reply: architect, latencyMs: 300 },
  { match: { system: 'You are a senior backend developer.' }, reply: BACKEND, latencyMs: 600 },
  { match: { system: 'You are a senior frontend developer.' }, reply: FRONTEND, latencyMs: 500 },
];
