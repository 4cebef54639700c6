import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { httpStatusFor, retryAfterSecondsOf, toOrchestratorError } from '../domain/errors.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { executeTool, inputJsonSchema, outputJsonSchema, TOOLS } from '../tools/registry.js';
import { VERSION } from '../version.js';
import { HttpError, readJsonBody, sendError, sendJson } from './http-json.js';
import { decodePathSegment, only, pageParams } from './route-helpers.js';
import { handleTaskRoutes } from './task-routes.js';
import { handleApprovalRoutes } from './approval-routes.js';

export interface RestContext {
  readonly orchestrator: Orchestrator;
  readonly startedAt: number;
  /** Each backend kind and whether it has what it needs to run (credentials). */
  readonly backends: Readonly<Record<string, { readonly configured: boolean }>>;
  readonly maxRequestBytes: number;
}

/** What the caller may see: without a valid token (when one is required) /health shows no instance data. */
export interface RestAccess {
  readonly fullHealth: boolean;
}

const executeBody = z.object({ tool: z.string().min(1).max(100), arguments: z.record(z.string().max(100), z.unknown()).optional() });

/** Handles the REST routes; returns false when the path is not one of them. */
export async function handleRest(ctx: RestContext, req: IncomingMessage, res: ServerResponse, url: URL, access: RestAccess): Promise<boolean> {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  try {
    if (path === '/health') return only(method, ['GET', 'HEAD'], res) && (sendJson(res, 200, access.fullHealth ? await health(ctx) : publicHealth(ctx)), true);
    if (path === '/tools') {
      if (!only(method, ['GET'], res)) return true;
      sendJson(res, 200, {
        tools: TOOLS.map((t) => ({ name: t.name, title: t.title, description: t.description, input_schema: inputJsonSchema(t), output_schema: outputJsonSchema(t), annotations: t.annotations })),
      });
      return true;
    }
    if (path === '/tools/execute') {
      if (!only(method, ['POST'], res)) return true;
      const body = executeBody.safeParse(await readJsonBody(req, ctx.maxRequestBytes));
      if (!body.success) throw new HttpError(400, 'invalid_input', `Body must be {"tool": "<name>", "arguments": {...}}: ${z.prettifyError(body.error)}`);
      const controller = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) controller.abort();
      });
      const outcome = await executeTool(ctx.orchestrator, body.data.tool, body.data.arguments ?? {}, { signal: controller.signal });
      const status = outcome.errorCode ? httpStatusFor(outcome.errorCode) : 200;
      sendJson(res, status, outcome.result, retryAfterHeader((outcome.result.structuredContent['error'] as { details?: unknown } | undefined)?.details));
      return true;
    }
    if (path === '/instances') {
      if (!only(method, ['GET'], res)) return true;
      const include = url.searchParams.get('include_terminated');
      sendJson(
        res,
        200,
        await ctx.orchestrator.listInstances({ ...(include !== null ? { include_terminated: include === 'true' || include === '1' } : {}), ...pageParams(url) }),
      );
      return true;
    }
    const output = /^\/instances\/([^/]+)\/output$/.exec(path);
    if (output) {
      if (only(method, ['GET'], res)) sendJson(res, 200, await ctx.orchestrator.getInstanceOutput({ instance_id: decodePathSegment(output[1] ?? ''), ...pageParams(url) }));
      return true;
    }
    if (await handleTaskRoutes(ctx.orchestrator, req, res, path, url)) return true;
    if (await handleApprovalRoutes(ctx.orchestrator, req, res, path, ctx.maxRequestBytes)) return true;
    const instance = /^\/instances\/([^/]+)$/.exec(path);
    if (instance) {
      const id = decodePathSegment(instance[1] ?? '');
      if (method === 'GET') sendJson(res, 200, await ctx.orchestrator.getInstanceStatus({ instance_id: id }));
      else if (method === 'DELETE') sendJson(res, 200, await ctx.orchestrator.terminateInstance({ instance_id: id }));
      else only(method, ['GET', 'DELETE'], res);
      return true;
    }
    return false;
  } catch (error) {
    if (error instanceof HttpError) sendError(res, error.status, error.httpCode, error.message);
    else {
      const failure = toOrchestratorError(error);
      sendError(res, httpStatusFor(failure.code), failure.code, failure.message, retryAfterHeader(failure.details));
    }
    return true;
  }
}

/** `retry-after` when the failure says how long to wait (shutting down, the API's own retry-after). */
function retryAfterHeader(details: unknown): Record<string, string> {
  const seconds = retryAfterSecondsOf(details);
  return seconds === undefined ? {} : { 'retry-after': String(seconds) };
}

/** Liveness only: safe to show anyone who can reach the port. */
function publicHealth(ctx: RestContext) {
  return { status: 'ok', version: VERSION, uptime_seconds: Math.round((Date.now() - ctx.startedAt) / 1000) };
}

async function health(ctx: RestContext) {
  const totals = await ctx.orchestrator.totals();
  return {
    ...publicHealth(ctx),
    instances: { live: totals.instances_live, total: totals.instances_total },
    backends: ctx.backends,
    limits: ctx.orchestrator.limits(),
  };
}
