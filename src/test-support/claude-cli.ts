import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's own Claude Code CLI (a dependency), never whatever `claude` is on PATH. */
export const CLAUDE_CLI = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'node_modules', '.bin', 'claude');

/** An environment that isolates the real CLI in a temp HOME and points it at the simulator: it never reaches the network. */
export function claudeCliEnv(home: string, simulatorUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: home,
    ANTHROPIC_API_KEY: 'dummy',
    ANTHROPIC_BASE_URL: simulatorUrl,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    ...extra,
  };
}
