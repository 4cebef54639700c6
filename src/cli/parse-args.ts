import { OrchestratorError } from '../domain/errors.js';
import { describeSchema } from '../config/describe-schema.js';
import { SETTINGS, type SettingKey } from '../config/settings.js';
import { nearest } from './suggest.js';

/** The commands, in the order `help` and an unknown command list them. */
export const COMMANDS = ['serve', 'status', 'logs', 'simulator', 'demo', 'help'] as const;
export type Command = (typeof COMMANDS)[number] | 'version';

/** Flags of the commands that talk to a running server (status, logs). */
export interface ClientFlags {
  url?: string;
  token?: string;
  json?: boolean;
  /** status: include terminated and failed instances. */
  all?: boolean;
  /** logs: keep printing new messages until the instance ends. */
  follow?: boolean;
  /** logs: only the last N messages. */
  tail?: string;
  /** logs: the instance id (or a unique prefix, or a name). */
  instance?: string;
}

export interface ParsedArgs {
  readonly command: Command;
  readonly stdio: boolean;
  /** Raw values of setting flags, keyed by setting. */
  readonly settings: Partial<Record<SettingKey, string>>;
  /** Flags of the simulator command. */
  readonly simulator: { port?: string; host?: string; latencyMs?: string; faultRate?: string };
  /** Flags of the demo command. */
  readonly demo: { out?: string };
  readonly client: ClientFlags;
  /** `help <topic>`, or the command whose --help was asked for. */
  readonly topic?: string;
}

const SIMULATOR_FLAGS: Record<string, keyof ParsedArgs['simulator']> = { '--port': 'port', '--host': 'host', '--latency-ms': 'latencyMs', '--fault-rate': 'faultRate' };
const CLIENT_VALUE_FLAGS: Record<string, 'url' | 'token' | 'tail'> = { '--url': 'url', '--token': 'token', '--tail': 'tail' };
const STATUS_SWITCHES: Record<string, 'json' | 'all'> = { '--json': 'json', '--all': 'all', '-a': 'all' };
const LOGS_SWITCHES: Record<string, 'json' | 'follow'> = { '--json': 'json', '--follow': 'follow', '-f': 'follow' };
const BOOLEAN_WORDS = new Set(['true', 'false', '1', '0', 'on', 'off']);

/** Parses `claude-orchestrator [command] [flags]`; an unknown command or flag is an error that names it. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const args = [...argv];
  const out: { -readonly [K in keyof ParsedArgs]: ParsedArgs[K] } = { command: 'serve', stdio: false, settings: {}, simulator: {}, demo: {}, client: {} };
  const first = args[0];
  if (first !== undefined && !first.startsWith('-')) {
    if (!(COMMANDS as readonly string[]).includes(first)) throw unknownCommand(first);
    out.command = args.shift() as Command;
  }
  if (out.command === 'help') return { ...out, ...(args[0] !== undefined ? { topic: args[0] } : {}) };
  while (args.length > 0) {
    const arg = args.shift() as string;
    if (arg === '--help' || arg === '-h') return { ...out, command: 'help', ...(out.command !== 'serve' ? { topic: out.command } : {}) };
    if (arg === '--version' || arg === '-v') return { ...out, command: 'version' };
    const [flag, inline] = arg.includes('=') && arg.startsWith('--') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const takeValue = (): string => {
      const value = inline ?? args.shift();
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new OrchestratorError('invalid_input', `${flag} needs a value.`);
      return value;
    };
    switch (out.command) {
      case 'demo':
        if (flag !== '--out') throw unknownOption(flag, 'demo', ['--out']);
        out.demo.out = takeValue();
        break;
      case 'simulator': {
        const key = SIMULATOR_FLAGS[flag];
        if (!key) throw unknownOption(flag, 'simulator', Object.keys(SIMULATOR_FLAGS));
        out.simulator[key] = takeValue();
        break;
      }
      case 'status':
      case 'logs':
        clientFlag(out.command, arg, flag, inline, takeValue, out.client);
        break;
      default:
        serveFlag(arg, flag, inline, args, takeValue, out);
    }
  }
  if (out.command === 'logs' && out.client.instance === undefined) {
    throw new OrchestratorError('invalid_input', 'logs needs an instance id: claude-orchestrator logs <instance> [--follow] (ids are in `claude-orchestrator status`).');
  }
  return out;
}

function clientFlag(command: 'status' | 'logs', arg: string, flag: string, inline: string | undefined, takeValue: () => string, client: ClientFlags): void {
  const switches: Record<string, 'json' | 'all' | 'follow'> = command === 'status' ? STATUS_SWITCHES : LOGS_SWITCHES;
  const toggle = switches[flag];
  if (toggle) {
    if (inline !== undefined) throw new OrchestratorError('invalid_input', `${flag} takes no value, got ${JSON.stringify(inline)}.`);
    client[toggle] = true;
    return;
  }
  const key = CLIENT_VALUE_FLAGS[flag];
  if (key && (key !== 'tail' || command === 'logs')) {
    client[key] = takeValue();
    return;
  }
  if (command === 'logs' && !arg.startsWith('-') && client.instance === undefined) {
    client.instance = arg;
    return;
  }
  if (!arg.startsWith('-')) throw new OrchestratorError('invalid_input', `Unexpected argument ${JSON.stringify(arg)} for ${command}. Try: claude-orchestrator help ${command}`);
  const known = [...Object.keys(switches), '--url', '--token', ...(command === 'logs' ? ['--tail'] : [])];
  throw unknownOption(flag, command, known);
}

function serveFlag(arg: string, flag: string, inline: string | undefined, rest: string[], takeValue: () => string, out: { stdio: boolean; settings: Partial<Record<SettingKey, string>> }): void {
  if (arg === '--stdio') {
    out.stdio = true;
    return;
  }
  if (!arg.startsWith('-')) throw new OrchestratorError('invalid_input', `Unexpected argument ${JSON.stringify(arg)}. Commands go first: claude-orchestrator <command> [options]. Try --help.`);
  const negated = flag.startsWith('--no-') ? SETTINGS.find((s) => s.flag === `--${flag.slice(5)}`) : undefined;
  if (negated && describeSchema(negated.schema).boolean && inline === undefined) {
    out.settings[negated.key] = 'false';
    return;
  }
  const spec = SETTINGS.find((s) => s.flag === flag);
  if (!spec) throw unknownOption(flag, undefined, ['--stdio', ...SETTINGS.map((s) => s.flag)]);
  if (describeSchema(spec.schema).boolean && inline === undefined) {
    // A switch: alone it means on; a following true/false/on/off/1/0 is its value.
    const next = rest[0];
    out.settings[spec.key] = next !== undefined && BOOLEAN_WORDS.has(next.toLowerCase()) ? (rest.shift() as string).toLowerCase() : 'true';
    return;
  }
  out.settings[spec.key] = takeValue();
}

function unknownCommand(typed: string): OrchestratorError {
  const guess = nearest(typed, COMMANDS);
  return new OrchestratorError('invalid_input', `Unknown command ${JSON.stringify(typed)}.${guess ? ` Did you mean "${guess}"?` : ''} Commands: ${COMMANDS.join(', ')}.`);
}

function unknownOption(flag: string, command: string | undefined, known: readonly string[]): OrchestratorError {
  const guess = nearest(flag, known);
  const where = command ? ` for ${command}` : '';
  const help = command ? `claude-orchestrator help ${command}` : '--help';
  return new OrchestratorError('invalid_input', `Unknown option ${flag}${where}.${guess ? ` Did you mean ${guess}?` : ''} Try ${help}.`);
}
