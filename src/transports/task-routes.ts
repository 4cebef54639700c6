import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, sendJson } from './http-json.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { decodePathSegment, only, pageParams } from './route-helpers.js';

/**
 * The task routes: `GET /tasks` (a page, newest first, `?state=working|completed|failed|cancelled|interrupted`),
 * `GET /tasks/{id}` (as get_task shows it), `POST /tasks/{id}/cancel` (as cancel_task). Returns false for
 * other paths; errors are thrown for the caller to map.
 */
export async function handleTaskRoutes(orchestrator: Orchestrator, req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (path === '/tasks') {
    if (!only(method, ['GET'], res)) return true;
    const state = url.searchParams.get('state');
    sendJson(res, 200, await orchestrator.listTasks({ ...(state !== null && state !== '' ? { state: state as 'working' } : {}), ...pageParams(url) }));
    return true;
  }
  const task = /^\/tasks\/([^/]+)(\/cancel)?$/.exec(path);
  if (!task) return false;
  const id = decodePathSegment(task[1] ?? '');
  if (id.length > 200) throw new HttpError(400, 'invalid_input', 'A task id has at most 200 characters.');
  if (task[2]) {
    if (only(method, ['POST'], res)) sendJson(res, 200, await orchestrator.tasks.cancel(id));
  } else if (only(method, ['GET'], res)) {
    sendJson(res, 200, await orchestrator.tasks.get(id));
  }
  return true;
}
