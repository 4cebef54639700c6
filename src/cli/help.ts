import { SETTINGS, type SettingKey } from '../config/settings.js';
import { OrchestratorError } from '../domain/errors.js';
import { VERSION } from '../version.js';
import { flagText, HELP_TOPICS, TOPIC_NAMES, type Topic } from './help-topics.js';
import { nearest } from './suggest.js';

/** The settings most people set; `help settings` has all of them. */
const COMMON: readonly SettingKey[] = ['port', 'host', 'tokens', 'apiKey', 'baseUrl', 'maxInstances', 'maxTotalCostUsd', 'workspaceDir', 'logLevel', 'logFormat'];

/** `--help`: one screen, at most 80 columns; the details are under `help <topic>`. */
export function helpText(): string {
  const options = COMMON.map((key) => {
    const spec = SETTINGS.find((s) => s.key === key);
    return spec ? optionLine(flagText(spec), `${spec.env} [${spec.defaultText}]`) : undefined;
  }).filter((line): line is string => line !== undefined);
  return [
    `claude-orchestrator ${VERSION}: an MCP server that spawns, talks to`,
    'and governs many Claude instances.',
    '',
    'Usage: claude-orchestrator [command] [options]',
    '',
    'Commands:',
    '  serve              serve MCP over HTTP at :8001/mcp, plus REST (default)',
    '  serve --stdio      serve MCP on stdin/stdout (for `claude mcp add`)',
    "  status             a running server's instances, as a table",
    "  logs <id> [-f]     an instance's conversation; -f follows it live",
    '  simulator          the offline Messages-API simulator (port 8002)',
    '  demo [--out DIR]   three specialists build a small app (offline)',
    '  help [topic]       details on settings, tools, http, logging, ...',
    '',
    'Common options (flag, env variable [default]; a flag wins over its variable):',
    ...options,
    optionLine('--stdio', 'MCP on stdin/stdout instead of HTTP'),
    optionLine('-h, --help', 'this text;  -v, --version  the version'),
    '',
    'Every setting: claude-orchestrator help settings',
  ].join('\n');
}

function optionLine(flag: string, text: string): string {
  return flag.length > 24 ? `  ${flag}\n  ${' '.repeat(24)}${text}` : `  ${flag.padEnd(24)}${text}`;
}

/** `help <topic>`; an unknown topic names the topics. */
export function topicText(topic: string): string {
  const known = (TOPIC_NAMES as readonly string[]).includes(topic) ? (topic as Topic) : undefined;
  if (!known) {
    const guess = nearest(topic, TOPIC_NAMES);
    throw new OrchestratorError('invalid_input', `Unknown help topic ${JSON.stringify(topic)}.${guess ? ` Did you mean "${guess}"?` : ''} Topics: ${TOPIC_NAMES.join(', ')}.`);
  }
  return HELP_TOPICS[known]();
}
