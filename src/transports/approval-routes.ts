import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAnswer } from '../approvals/approval-input.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { HttpError, readJsonBody, sendJson } from './http-json.js';
import { decodePathSegment, only } from './route-helpers.js';

/**
 * The approval routes: `GET /approvals` (pending permission asks, oldest first) and `POST /approvals/{id}`
 * with `{"decision": "allow_once" | "allow_instance" | "deny"}` (as answer_approval). Returns false for
 * other paths; errors (unknown id 404, bad decision 400, already answered 409) are thrown for the caller to map.
 */
export async function handleApprovalRoutes(orchestrator: Orchestrator, req: IncomingMessage, res: ServerResponse, path: string, maxRequestBytes: number): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (path === '/approvals') {
    if (only(method, ['GET'], res)) sendJson(res, 200, { approvals: await orchestrator.approvals.pending() });
    return true;
  }
  const match = /^\/approvals\/([^/]+)$/.exec(path);
  if (!match) return false;
  if (!only(method, ['POST'], res)) return true;
  const body: unknown = await readJsonBody(req, maxRequestBytes);
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('decision' in body)) {
    throw new HttpError(400, 'invalid_input', 'Body must be {"decision": "allow_once" | "allow_instance" | "deny"}.');
  }
  const answer = parseAnswer({ approval_id: decodePathSegment(match[1] ?? ''), decision: (body as { decision: unknown }).decision });
  if (answer.list) throw new HttpError(400, 'invalid_input', 'Body must be {"decision": "allow_once" | "allow_instance" | "deny"}.');
  sendJson(res, 200, { approval: await orchestrator.approvals.answer(answer.id, answer.decision) });
  return true;
}
