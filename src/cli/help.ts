import { SETTINGS } from '../config/settings.js';
import { ROLE_IDS } from '../domain/roles.js';
import { TOOLS } from '../tools/registry.js';
import { VERSION } from '../version.js';

/** The --help text, generated from the settings table and the tool registry so it can't drift. */
export function helpText(): string {
  const width = Math.max(...SETTINGS.map((s) => `${s.flag} <value>`.length));
  const settingLines = SETTINGS.map((s) => `  ${`${s.flag} <value>`.padEnd(width)}  ${s.env.padEnd(30)} ${s.help} [default: ${s.defaultText}]`);
  return [
    `claude-orchestrator ${VERSION} — an MCP server that spawns, talks to and governs many Claude instances.`,
    '',
    'Usage:',
    '  claude-orchestrator [serve] [options]      Serve MCP over Streamable HTTP at http://<host>:<port>/mcp, plus REST',
    '  claude-orchestrator serve --stdio [opts]   Serve MCP on stdin/stdout (for `claude mcp add`); opens no port',
    '  claude-orchestrator simulator [--port N] [--host H] [--latency-ms N]',
    '                                             Run the local Messages-API simulator (offline; default port 8002)',
    '  claude-orchestrator demo [--out DIR]       Three specialists build a task app (offline on the simulator without a key)',
    '  claude-orchestrator --help | --version',
    '',
    'Options (flag, env variable; a flag wins over its variable):',
    ...settingLines,
    `  ${'--stdio'.padEnd(width)}  ${''.padEnd(30)} Serve MCP on stdio instead of HTTP.`,
    '',
    `Tools: ${TOOLS.map((t) => t.name).join(', ')}`,
    `Roles: ${ROLE_IDS.join(', ')}`,
    '',
    'HTTP routes: /mcp, GET /health, GET /tools, POST /tools/execute, GET /instances, GET|DELETE /instances/{id}',
    'Logs are JSON on stderr. Examples:',
    '  ANTHROPIC_API_KEY=sk-... claude-orchestrator                  # http://localhost:8001/mcp',
    '  claude mcp add orchestrator -e ANTHROPIC_API_KEY=sk-... -- node /path/to/claude-orchestrator/dist/cli.js --stdio',
  ].join('\n');
}
