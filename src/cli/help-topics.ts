import { describeSchema } from '../config/describe-schema.js';
import { SETTINGS } from '../config/settings.js';
import { ROLES, ROLE_IDS } from '../domain/roles.js';
import { TOOLS } from '../tools/registry.js';

/** Help text is read in a terminal: every line fits in this many columns. */
export const HELP_WIDTH = 80;

/** A flag as help shows it: a switch bare, others with what they take (`--port N`). */
export function flagText(spec: { flag: string; schema: Parameters<typeof describeSchema>[0]; placeholder?: string }): string {
  const shape = describeSchema(spec.schema);
  return shape.boolean ? spec.flag : `${spec.flag} ${spec.placeholder ?? shape.placeholder}`;
}

/** Words wrapped to the width, each line starting with `indent`. */
export function wrap(text: string, indent: string, width = HELP_WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

function settings(): string {
  const out = [...wrap('Every setting has a flag and an env variable; a flag wins over its variable, and an empty variable counts as unset. Switches (like --db-durable) take no value: --no-<flag> turns one off.', ''), ''];
  for (const s of SETTINGS) {
    const flag = `  ${flagText(s)}`;
    const env = 'secret' in s && s.secret ? `${s.env} (secret)` : s.env;
    out.push(flag.length + 2 + env.length <= HELP_WIDTH ? `${flag.padEnd(HELP_WIDTH - env.length)}${env}` : flag, ...(flag.length + 2 + env.length <= HELP_WIDTH ? [] : [`      ${env}`]));
    out.push(...wrap(`${s.help} [default: ${s.defaultText}]`, '      '));
  }
  return out.join('\n');
}

function tools(): string {
  return [
    'Tools (MCP tools/call, or POST /tools/execute {"tool", "arguments"}):',
    '',
    ...TOOLS.flatMap((t) => [`  ${t.name}`, ...wrap(t.description, '      ')]),
    '',
    'Roles (spawn_claude role):',
    ...ROLE_IDS.flatMap((id) => wrap(`${id}: ${ROLES[id].summary}`, '  ')),
  ].join('\n');
}

const TEXT = {
  http: [
    'HTTP routes (every route but GET /health needs the token when one is set:',
    'Authorization: Bearer $ORCHESTRATOR_TOKEN; the dashboard signs in once):',
    '',
    '  GET /                      the dashboard (live instance tree and output)',
    '  POST|GET|DELETE /mcp       MCP over Streamable HTTP',
    '  GET /health                liveness; instance counts with the token',
    '  GET /metrics               Prometheus metrics (orchestrator_*)',
    '  GET /events[?instance=ID]  domain events as Server-Sent Events',
    '  GET /tools                 the tools and their input schemas',
    '  POST /tools/execute        {"tool": "<name>", "arguments": {...}}',
    '  GET /instances             ?include_terminated=true&limit=N&offset=N',
    '  GET|DELETE /instances/ID   one instance; DELETE terminates it',
    '  GET /instances/ID/output   its conversation, ?limit=N&offset=N',
    '  GET /tasks, /tasks/ID      background tasks; POST /tasks/ID/cancel',
    '  GET /approvals             agents\' pending permission asks',
    '  POST /approvals/ID         {"decision": "allow_once|allow_instance|deny"}',
    '',
    '  curl localhost:8001/instances -H "authorization: Bearer $ORCHESTRATOR_TOKEN"',
  ],
  status: [
    'claude-orchestrator status [--all] [--json] [--url URL] [--token TOKEN]',
    '',
    ...wrap("A running server's instances as a table (children under their parent) with what each does now (ACTIVITY: thinking, running Bash 42s, waiting approval, rate limited, stalled, idle, dead), their tokens, cost, turns and health, then the totals against the budget, then a line per agent permission ask waiting for an answer (answer it with answer_approval, POST /approvals/ID or the dashboard). --all adds ended instances; --json prints every field.", '  '),
    '',
    ...wrap('The server is --url, else http://$ORCHESTRATOR_HOST:$ORCHESTRATOR_PORT (default http://localhost:8001); the token is --token, else ORCHESTRATOR_TOKEN.', '  '),
  ],
  logs: [
    'claude-orchestrator logs <instance> [-f|--follow] [--tail N] [--json]',
    '                         [--url URL] [--token TOKEN]',
    '',
    ...wrap("An instance's conversation, oldest first: each message's time, role and text, and each reply's tokens, cost and duration. --follow keeps printing new messages until the instance ends (or Ctrl-C); --tail N starts at the last N; --json prints one JSON object a line.", '  '),
    '',
    ...wrap('<instance> is an id, the start of one (status shows the first 13 characters), or a name. Server and token as for status.', '  '),
  ],
  logging: [
    ...wrap('Server logs go to stderr (stdout carries JSON-RPC in stdio mode). LOG_FORMAT (--log-format) picks their form: auto (default) writes readable lines when stderr is a terminal and JSON lines otherwise; pretty or json force one. LOG_LEVEL (--log-level) sets how much. Secrets (API keys, tokens, authorization headers) are redacted in both forms.', ''),
    '',
    '  07:58:01 INFO  claude-orchestrator listening  url=http://127.0.0.1:8001 ...',
    '  {"level":30,"time":1795000681000,"service":"claude-orchestrator",...}',
  ],
  simulator: [
    'claude-orchestrator simulator [--port N] [--host H] [--latency-ms N]',
    '                              [--fault-rate P]',
    '',
    ...wrap('A local Messages-API server with scripted replies and no real model (default port 8002), so everything runs offline:', '  '),
    ...wrap('--fault-rate P (0 to 1) answers that share of messages requests with a random 429, 529, 500 or connection reset, to watch retries and health under faults.', '  '),
    '',
    '  claude-orchestrator simulator &',
    '  ANTHROPIC_BASE_URL=http://127.0.0.1:8002 ANTHROPIC_API_KEY=sim \\',
    '    claude-orchestrator',
  ],
  demo: [
    'claude-orchestrator demo [--out DIR]',
    '',
    ...wrap('Three specialists build a small task app in DIR. Without ANTHROPIC_API_KEY it runs offline on the simulator and says so on its first line.', '  '),
  ],
  examples: [
    '  # HTTP on localhost:8001 (MCP at /mcp)',
    '  ANTHROPIC_API_KEY=sk-... claude-orchestrator',
    '',
    '  # Claude Code starts it over stdio',
    '  claude mcp add orchestrator -e ANTHROPIC_API_KEY=sk-... -- \\',
    '    node /path/to/claude-orchestrator/dist/cli.js --stdio',
    '',
    '  # Reachable from other machines: a token is required',
    '  ORCHESTRATOR_TOKEN=$(openssl rand -hex 32) claude-orchestrator --host 0.0.0.0',
    '',
    '  # Watch it work',
    '  claude-orchestrator status',
    '  claude-orchestrator logs inst_1a2b3c4d --follow',
  ],
} as const;

/** One line per topic, for `claude-orchestrator help`. */
const SUMMARY = {
  settings: 'every setting: flag, env variable, default, meaning',
  tools: 'the MCP tools and the roles',
  http: 'the HTTP routes and their token',
  status: "the status command: a running server's instances",
  logs: "the logs command: an instance's conversation, live",
  logging: 'server logs: readable or JSON, levels, redaction',
  simulator: 'the offline Messages-API simulator',
  demo: 'the offline demo',
  examples: 'common command lines',
} as const;

export type Topic = keyof typeof SUMMARY;
export const TOPIC_NAMES = Object.keys(SUMMARY) as Topic[];

export const HELP_TOPICS: Record<Topic, () => string> = {
  settings,
  tools,
  ...(Object.fromEntries(Object.entries(TEXT).map(([name, lines]) => [name, () => lines.join('\n')])) as Record<keyof typeof TEXT, () => string>),
};

/** `claude-orchestrator help`: the topics. */
export function topicList(): string {
  return ['Help topics (claude-orchestrator help <topic>):', '', ...TOPIC_NAMES.map((t) => `  ${t.padEnd(11)}${SUMMARY[t]}`), '', 'claude-orchestrator --help shows the commands and common options.'].join('\n');
}
