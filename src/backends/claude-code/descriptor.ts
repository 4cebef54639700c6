import { existsSync, readdirSync } from 'node:fs';
import { z } from 'zod';
import type { Config } from '../../config/load-config.js';
import type { BackendContext, BackendDescriptor } from '../descriptor.js';
import { agentsDir } from './agents-dir.js';
import { permissionPolicyInputSchema } from './permission-policy.js';

/** Instances that are real Claude Code agents working in their own workspace. */
export const claudeCodeBackendDescriptor = {
  kind: 'claude-code' as const,
  description: 'claude-code: a real Claude Code agent in its workspace',
  spawnOptions: {
    repository: z.string().min(1).max(4096).describe('claude-code: absolute path of a git repo; the agent works in its own worktree and branch.'),
    permissions: permissionPolicyInputSchema.describe('claude-code: permission mode and tool rules (default: edits in its workspace, asks for the rest).'),
  },
  delegation: { supported: false, why: 'allow_delegation is for api instances: a Claude Code agent has its own Task tool for subagents.' },
  // An API key, or a Claude subscription token (`claude setup-token`) in the server's environment.
  configured: (config: Config) => config.apiKey !== undefined || Boolean(process.env['CLAUDE_CODE_OAUTH_TOKEN']),
  // Claude Code sends its own system prompt and tool definitions with every model call: ~15k tokens as billed,
  // ~21k as the model proxy estimates them from their size (on the high side). The turn's first hold counts
  // the estimate, so the agent's first call fits it.
  promptOverheadTokens: 21_000,
  async load({ config, logger }: BackendContext) {
    const { claudeCodeBackendFromConfig } = await import('./claude-code-backend.js');
    return claudeCodeBackendFromConfig(config, logger);
  },
  hasLeftovers(config: Config) {
    // Agent records (agent-registry.ts): one `<pid>-<start>.json` per agent still running or left by a dead server.
    const dir = agentsDir(config.workspaceDir);
    return existsSync(dir) && readdirSync(dir).some((name) => /^\d+-.*\.json$/.test(name));
  },
} satisfies BackendDescriptor;
