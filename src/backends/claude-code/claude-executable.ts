import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { OrchestratorError } from '../../domain/errors.js';

const manifestSchema = z.object({ version: z.string(), bin: z.object({ claude: z.string() }) });

export interface ClaudeExecutable {
  readonly path: string;
  /** The package version, or 'custom' for an override. */
  readonly version: string;
}

/**
 * The Claude Code CLI this project depends on (pinned in package.json), never whatever `claude` is on PATH:
 * MCP clients start servers with a bare environment, and a user's global install can be any version.
 * `override` (CLAUDE_CODE_EXECUTABLE) points at another binary on purpose.
 */
export function resolveClaudeExecutable(override: string | undefined): ClaudeExecutable {
  if (override !== undefined) return { path: checked(override, 'CLAUDE_CODE_EXECUTABLE'), version: 'custom' };
  const require = createRequire(import.meta.url);
  let manifestPath: string;
  try {
    manifestPath = require.resolve('@anthropic-ai/claude-code/package.json');
  } catch (error) {
    throw new OrchestratorError(
      'not_configured',
      'The Claude Code CLI (@anthropic-ai/claude-code) is not installed with the orchestrator. Run `npm ci` in its directory, or set CLAUDE_CODE_EXECUTABLE to a claude binary.',
      undefined,
      { cause: error },
    );
  }
  const manifest = manifestSchema.parse(require(manifestPath));
  return { path: checked(join(dirname(manifestPath), manifest.bin.claude), '@anthropic-ai/claude-code'), version: manifest.version };
}

function checked(path: string, origin: string): string {
  try {
    accessSync(path, constants.X_OK);
  } catch (error) {
    throw new OrchestratorError(
      'not_configured',
      `The Claude Code CLI from ${origin} (${path}) can't be run: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. ` +
        'Reinstall dependencies (`npm ci`; its install script must be allowed to fetch the native binary) or set CLAUDE_CODE_EXECUTABLE.',
      undefined,
      { cause: error },
    );
  }
  return path;
}
