import { describe, expect, it } from 'vitest';
import { helpText } from './help.js';
import { parseArgs } from './parse-args.js';

describe('parseArgs', () => {
  it('defaults to serve over HTTP', () => {
    expect(parseArgs([])).toMatchObject({ command: 'serve', stdio: false, settings: {} });
  });

  it('reads --stdio, setting flags with a space or =, and the simulator command', () => {
    expect(parseArgs(['--stdio', '--port', '9000', '--max-instances=4'])).toMatchObject({ stdio: true, settings: { port: '9000', maxInstances: '4' } });
    expect(parseArgs(['serve', '--host', '0.0.0.0'])).toMatchObject({ command: 'serve', settings: { host: '0.0.0.0' } });
    expect(parseArgs(['simulator', '--port', '8002', '--latency-ms=5'])).toMatchObject({ command: 'simulator', simulator: { port: '8002', latencyMs: '5' } });
    expect(parseArgs(['--help']).command).toBe('help');
    expect(parseArgs(['-v']).command).toBe('version');
  });

  it('names an unknown flag or a missing value', () => {
    expect(() => parseArgs(['--prot', '1'])).toThrow(/Unknown option --prot/);
    expect(() => parseArgs(['--port'])).toThrow(/--port needs a value/);
    expect(() => parseArgs(['--port', '--stdio'])).toThrow(/--port needs a value/);
    expect(() => parseArgs(['simulator', '--stdio'])).toThrow(/Unknown option --stdio for simulator/);
  });
});

describe('helpText', () => {
  it('names every variable, flag, tool and role', () => {
    const text = helpText();
    for (const word of ['ORCHESTRATOR_PORT', 'ANTHROPIC_API_KEY', 'MAX_INSTANCES', 'WORKSPACE_DIR', 'LOG_LEVEL', '--stdio', 'spawn_claude', 'terminate_instance', 'data_analyst']) {
      expect(text).toContain(word);
    }
  });
});
