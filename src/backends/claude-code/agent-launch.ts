import { join } from 'node:path';
import { childEnv } from '../../security/child-env.js';
import type { AgentHome } from './agent-home.js';
import { AGENT_MARKER_ENV } from './agent-registry.js';
import { policyArgs, type PermissionPolicy } from './permission-policy.js';

export interface LaunchSpec {
  readonly model: string;
  readonly policy: PermissionPolicy;
  readonly sessionId: string;
  /** Continue the saved session (--resume) instead of starting it (--session-id). */
  readonly resume: boolean;
  readonly home: AgentHome;
}

/**
 * The CLI's arguments. Every one is there for isolation, supervision or speed:
 * - stream-json both ways keeps one process across turns (warm); partial messages stream text and usage;
 * - `--setting-sources=` loads no user, project or local settings, and `--strict-mcp-config` with no
 *   config loads no MCP server: nothing in the workspace (.claude/settings.json, .mcp.json, agents, hooks)
 *   can grant a permission or add a server; the policy comes in through `--settings` alone;
 * - `--permission-prompt-tool stdio` sends every question the policy leaves open to us as a control request;
 * - slash commands are off, so a message that starts with "/" is a message, not a command;
 * - dynamic system-prompt sections move to the first message, so agents of one role share a prompt cache.
 */
export function agentArgs(spec: LaunchSpec): string[] {
  return [
    '-p',
    '--input-format=stream-json',
    '--output-format=stream-json',
    '--verbose',
    '--include-partial-messages',
    '--setting-sources=',
    '--strict-mcp-config',
    '--permission-prompt-tool=stdio',
    '--disable-slash-commands',
    '--exclude-dynamic-system-prompt-sections',
    ...policyArgs(spec.policy),
    `--model=${spec.model}`,
    `--append-system-prompt-file=${spec.home.systemPromptFile}`,
    spec.resume ? `--resume=${spec.sessionId}` : `--session-id=${spec.sessionId}`,
  ];
}

export interface AgentCredentials {
  readonly apiKey: string | undefined;
  /** A Claude subscription token (CLAUDE_CODE_OAUTH_TOKEN), for users without an API key. */
  readonly oauthToken: string | undefined;
  readonly baseUrl: string | undefined;
}

/** How an agent reaches the model: our model proxy, with its own capability token in place of a key. */
export interface AgentEndpoint {
  readonly baseUrl: string;
  readonly token: string;
}

/**
 * The agent's environment: the shared allowlist (security/child-env.ts), its own HOME and config
 * directories, the proxy it calls the model through (with a token that is good only there, so the real key
 * never enters the agent's environment), and the marker that lets a reaper find everything it started.
 */
export function agentEnv(source: Readonly<Record<string, string | undefined>>, home: AgentHome, endpoint: AgentEndpoint, marker: string): Record<string, string> {
  // The proxy is on loopback: a corporate HTTP(S)_PROXY passed on to the agent must not be asked to reach it.
  const noProxy = ['127.0.0.1', 'localhost', '::1', ...(source['NO_PROXY'] ?? source['no_proxy'] ?? '').split(',').filter(Boolean)].join(',');
  return childEnv(source, {
    set: {
      PATH: source['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: home.path,
      CLAUDE_CONFIG_DIR: home.configDir,
      XDG_CONFIG_HOME: join(home.path, '.config'),
      XDG_DATA_HOME: join(home.path, '.local', 'share'),
      XDG_STATE_HOME: join(home.path, '.local', 'state'),
      XDG_CACHE_HOME: join(home.path, '.cache'),
      ANTHROPIC_API_KEY: endpoint.token,
      ANTHROPIC_BASE_URL: endpoint.baseUrl,
      NO_PROXY: noProxy,
      no_proxy: noProxy,
      // No telemetry, error reports or auto-update from a governed agent; nothing leaves but model calls.
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      [AGENT_MARKER_ENV]: marker,
    },
  });
}
