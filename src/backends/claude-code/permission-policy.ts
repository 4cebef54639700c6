import { z } from 'zod';

/**
 * Claude Code's permission modes we offer. `bypassPermissions` (and `auto`, which lets a classifier
 * approve) are left out on purpose: an orchestrated agent never runs without a human-settled policy.
 */
export const PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'dontAsk'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

/** What an instance's agent may do without asking. Anything else is asked (or denied in dontAsk/plan). */
export interface PermissionPolicy {
  readonly mode: PermissionMode;
  /** Claude Code permission rules that are allowed without asking, e.g. `Bash(npm test:*)`, `WebFetch`. */
  readonly allowedTools: readonly string[];
  /** Rules that are always refused, even if a mode or another rule would allow them. */
  readonly disallowedTools: readonly string[];
}

/**
 * acceptEdits: the agent reads and edits files inside its working directory (its workspace) freely; a
 * write outside it, any shell command that isn't a plain file operation in the workspace, and web access
 * are asked.
 */
export const DEFAULT_PERMISSION_POLICY: PermissionPolicy = Object.freeze({ mode: 'acceptEdits', allowedTools: [], disallowedTools: [] });

/** A rule as Claude Code writes them: a tool name, optionally with a specifier in parentheses. */
const ruleSchema = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z0-9_\-]+(\(.*\))?$/s, 'a tool rule is a tool name, optionally with a specifier, e.g. "Bash(npm test:*)", "Edit", "mcp__server__tool"')
  .refine((rule) => !/[\n\r\0]/.test(rule), 'a tool rule is one line');

/** The spawn option `permissions` as tool input (snake_case like every tool argument). */
export const permissionPolicyInputSchema = z
  .object({
    mode: z.enum(PERMISSION_MODES).optional().describe('default: acceptEdits (edits inside the workspace; everything else is asked)'),
    allowed_tools: z.array(ruleSchema).max(100).optional().describe('Claude Code rules allowed without asking, e.g. "Bash(npm test:*)"'),
    disallowed_tools: z.array(ruleSchema).max(100).optional().describe('rules always refused'),
  })
  .strict();

export type PermissionPolicyInput = z.infer<typeof permissionPolicyInputSchema>;

export function toPermissionPolicy(input: PermissionPolicyInput | undefined): PermissionPolicy {
  return {
    mode: input?.mode ?? DEFAULT_PERMISSION_POLICY.mode,
    allowedTools: input?.allowed_tools ?? [],
    disallowedTools: input?.disallowed_tools ?? [],
  };
}

/**
 * The CLI flags for a policy. The rules go in as flag settings (`--settings`), the one settings source
 * loaded besides the machine's managed policy: no parsing of rule text as arguments, and nothing in the
 * workspace or in a user's ~/.claude can add to them. Hooks are off: no settings file may run commands.
 */
export function policyArgs(policy: PermissionPolicy): string[] {
  const settings = { permissions: { allow: [...policy.allowedTools], deny: [...policy.disallowedTools] }, disableAllHooks: true };
  return [`--permission-mode=${policy.mode}`, `--settings=${JSON.stringify(settings)}`];
}
