import { OrchestratorError } from '../domain/errors.js';
import { SETTINGS, type SettingKey } from '../config/settings.js';

export type Command = 'serve' | 'simulator' | 'demo' | 'help' | 'version';

export interface ParsedArgs {
  readonly command: Command;
  readonly stdio: boolean;
  /** Raw values of setting flags, keyed by setting. */
  readonly settings: Partial<Record<SettingKey, string>>;
  /** Flags of the simulator command. */
  readonly simulator: { port?: string; host?: string; latencyMs?: string };
  /** Flags of the demo command. */
  readonly demo: { out?: string };
}

const SIMULATOR_FLAGS: Record<string, keyof ParsedArgs['simulator']> = { '--port': 'port', '--host': 'host', '--latency-ms': 'latencyMs' };

/** Parses `claude-orchestrator [serve|simulator] [flags]`; unknown flags are errors that name the flag. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  let command: Command = 'serve';
  let stdio = false;
  const settings: Partial<Record<SettingKey, string>> = {};
  const simulator: { port?: string; host?: string; latencyMs?: string } = {};
  const demo: { out?: string } = {};
  const args = [...argv];
  if (args[0] === 'serve' || args[0] === 'simulator' || args[0] === 'demo') command = args.shift() as Command;
  while (args.length > 0) {
    const arg = args.shift() as string;
    if (arg === '--help' || arg === '-h' || arg === 'help') return { command: 'help', stdio, settings, simulator, demo };
    if (arg === '--version' || arg === '-v') return { command: 'version', stdio, settings, simulator, demo };
    if (arg === '--stdio' && command === 'serve') {
      stdio = true;
      continue;
    }
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const takeValue = (): string => {
      const value = inline ?? args.shift();
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new OrchestratorError('invalid_input', `${flag} needs a value.`);
      return value;
    };
    if (command === 'demo') {
      if (flag !== '--out') throw new OrchestratorError('invalid_input', `Unknown option ${flag} for demo. Try --help.`);
      demo.out = takeValue();
      continue;
    }
    if (command === 'simulator') {
      const key = SIMULATOR_FLAGS[flag];
      if (!key) throw new OrchestratorError('invalid_input', `Unknown option ${flag} for simulator. Try --help.`);
      simulator[key] = takeValue();
      continue;
    }
    const spec = SETTINGS.find((s) => s.flag === flag);
    if (!spec) throw new OrchestratorError('invalid_input', `Unknown option ${flag}. Try --help.`);
    settings[spec.key] = takeValue();
  }
  return { command, stdio, settings, simulator, demo };
}
