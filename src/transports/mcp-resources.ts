import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError, type McpServer } from '@modelcontextprotocol/server';
import { DEFAULTS } from '../config/defaults.js';
import { OrchestratorError } from '../domain/errors.js';
import type { EventBus } from '../orchestrator/events.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { conversationMarkdown } from './conversation-markdown.js';

/**
 * Each instance's conversation as an MCP resource, `orchestrator://instances/{id}/conversation`: listed for
 * live instances (paged in SQL by cursor), read as markdown (the most recent messages, with a note on how to
 * page further with get_instance_output), and pushed to subscribers as `notifications/resources/updated`
 * after each turn and state change, `notifications/resources/list_changed` when instances come and go.
 */
export const CONVERSATION_URI_TEMPLATE = 'orchestrator://instances/{id}/conversation';

const CONVERSATION_URI = /^orchestrator:\/\/instances\/([^/?#]+)\/conversation$/;
/** Live instances per resources/list page. */
const LIST_PAGE = DEFAULTS.pageSize;
/** The most recent messages a read returns; older ones are a get_instance_output away. */
const READ_MESSAGES = DEFAULTS.pageSize;
/** Legacy resources/subscribe: most URIs one connection may watch (each is a Set entry, nothing more). */
const MAX_SUBSCRIPTIONS = 1000;

export function conversationUri(instanceId: string): string {
  return `orchestrator://instances/${encodeURIComponent(instanceId)}/conversation`;
}

/** The instance id a conversation URI names, or undefined when the URI is not one. */
export function conversationInstanceId(uri: string): string | undefined {
  const match = CONVERSATION_URI.exec(uri);
  if (!match?.[1]) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    // Malformed percent-encoding: not a URI this server made.
    return undefined;
  }
}

/** Where resource changes go: the two notifications of the resources capability. */
export interface ResourceSink {
  updated(uri: string): void;
  listChanged(): void;
}

/** Feeds `sink` from the orchestrator's events; returns the function that stops it. */
export function watchConversations(events: EventBus, sink: ResourceSink): () => void {
  return events.subscribe((event) => {
    if (event.type === 'turn.settled') sink.updated(conversationUri(event.instanceId));
    else if (event.type === 'instance.spawned') sink.listChanged();
    else if (event.type === 'instance.state_changed') {
      // A turn's own busy/idle flips are covered by its turn.settled.
      if (event.reason === 'turn_started' || event.reason === 'turn_finished') return;
      sink.updated(conversationUri(event.instanceId));
      if (event.to === 'terminated' || event.to === 'failed') sink.listChanged();
    }
  });
}

/** resources/read: the conversation as markdown, its most recent messages. Unknown ids are a resource-not-found error. */
export async function readConversation(orchestrator: Orchestrator, uri: string): Promise<{ contents: Array<{ uri: string; mimeType: string; text: string }> }> {
  const id = conversationInstanceId(uri);
  if (id === undefined) throw new ResourceNotFoundError(uri, `No resource ${uri}: conversations are ${CONVERSATION_URI_TEMPLATE}.`);
  const instance = await orNotFound(uri, () => orchestrator.getInstanceStatus({ instance_id: id }));
  const { total } = await orchestrator.getInstanceOutput({ instance_id: id, limit: 1 });
  const page = await orchestrator.getInstanceOutput({ instance_id: id, offset: Math.max(0, total - READ_MESSAGES), limit: READ_MESSAGES });
  return { contents: [{ uri, mimeType: 'text/markdown', text: conversationMarkdown(instance, page) }] };
}

/** resources/list: live instances' conversations, newest first, one SQL page per call. */
export async function listConversations(orchestrator: Orchestrator, cursor: string | undefined) {
  const offset = cursor === undefined ? 0 : decodeCursor(cursor);
  const page = await orchestrator.listInstances({ limit: LIST_PAGE, offset });
  const next = offset + page.instances.length;
  return {
    resources: page.instances.map((i) => ({
      uri: conversationUri(i.instance_id),
      name: `${i.name} conversation`,
      title: `${i.name}: conversation`,
      description: `${i.role} · ${i.state} · ${i.turns} turns`,
      mimeType: 'text/markdown',
    })),
    ...(next < page.total && page.instances.length > 0 ? { nextCursor: encodeCursor(next) } : {}),
  };
}

/** How a connection gets change notifications: only the URIs it subscribed to (2025 era), all (the stdio entry filters them for 2026 `subscriptions/listen`), or none (a per-request server). */
export type ResourcePush = 'subscribed' | 'all' | 'none';

/**
 * Adds the conversation resources to `server`. With a push mode other than `none` it listens to the
 * orchestrator's events from when the orchestrator is ready until the server closes (one listener per
 * connection, removed on close).
 */
export function registerConversationResources(server: McpServer, orchestrator: () => Promise<Orchestrator>, push: ResourcePush): void {
  const low = server.server;
  const subscribed = new Set<string>();
  low.setRequestHandler('resources/templates/list', () => ({
    resourceTemplates: [
      {
        uriTemplate: CONVERSATION_URI_TEMPLATE,
        name: 'conversation',
        title: "An instance's conversation",
        description: 'Its most recent messages as markdown (role, time, text, per-turn usage); updated after each turn.',
        mimeType: 'text/markdown',
      },
    ],
  }));
  low.setRequestHandler('resources/list', async (request) => listConversations(await orchestrator(), request.params?.cursor));
  low.setRequestHandler('resources/read', async (request) => readConversation(await orchestrator(), request.params.uri));
  low.setRequestHandler('resources/subscribe', async (request) => {
    const uri = request.params.uri;
    const id = conversationInstanceId(uri);
    if (id === undefined) throw new ResourceNotFoundError(uri, `No resource ${uri}: conversations are ${CONVERSATION_URI_TEMPLATE}.`);
    const o = await orchestrator();
    await orNotFound(uri, () => o.getInstanceStatus({ instance_id: id }));
    if (!subscribed.has(uri) && subscribed.size >= MAX_SUBSCRIPTIONS) {
      throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `At most ${MAX_SUBSCRIPTIONS} subscriptions per connection; unsubscribe from some first.`);
    }
    subscribed.add(uri);
    return {};
  });
  low.setRequestHandler('resources/unsubscribe', (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });
  if (push === 'none') return;

  // A client that went away can't be told; a failed send must never reach the orchestrator's event loop.
  const send = (notification: Promise<void>) => void notification.catch(() => undefined);
  const sink: ResourceSink = {
    updated: (uri) => {
      if (push === 'all' || subscribed.has(uri)) send(low.sendResourceUpdated({ uri }));
    },
    listChanged: () => send(low.sendResourceListChanged()),
  };
  let closed = false;
  let stop: () => void = () => undefined;
  const previous = low.onclose;
  low.onclose = () => {
    closed = true;
    stop();
    subscribed.clear();
    previous?.();
  };
  orchestrator().then(
    (o) => {
      if (!closed) stop = watchConversations(o.events, sink);
    },
    () => undefined, // The orchestrator failed to open: the tools report that on every call.
  );
}

async function orNotFound<T>(uri: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof OrchestratorError && error.code === 'not_found') throw new ResourceNotFoundError(uri, `No resource ${uri}: ${error.message}`);
    throw error;
  }
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^offset:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match?.[1]) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid cursor ${JSON.stringify(cursor.slice(0, 100))}: pass a nextCursor from resources/list, or none for the first page.`);
  return Number(match[1]);
}
