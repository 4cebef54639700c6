import { describe, expect, it } from 'vitest';
import { helpText, topicText } from './help.js';
import { HELP_WIDTH, TOPIC_NAMES, topicList } from './help-topics.js';
import { parseArgs } from './parse-args.js';

describe('parseArgs', () => {
  it('defaults to serve over HTTP', () => {
    expect(parseArgs([])).toMatchObject({ command: 'serve', stdio: false, settings: {} });
  });

  it('reads --stdio, setting flags with a space or =, and the simulator command', () => {
    expect(parseArgs(['--stdio', '--port', '9000', '--max-instances=4'])).toMatchObject({ stdio: true, settings: { port: '9000', maxInstances: '4' } });
    expect(parseArgs(['serve', '--host', '0.0.0.0'])).toMatchObject({ command: 'serve', settings: { host: '0.0.0.0' } });
    expect(parseArgs(['simulator', '--port', '8002', '--latency-ms=5', '--fault-rate', '0.05'])).toMatchObject({ command: 'simulator', simulator: { port: '8002', latencyMs: '5', faultRate: '0.05' } });
    expect(parseArgs(['--help']).command).toBe('help');
    expect(parseArgs(['-v']).command).toBe('version');
  });

  it('takes switches bare, with a value, or negated with --no-', () => {
    expect(parseArgs(['--db-durable']).settings).toEqual({ dbDurable: 'true' });
    expect(parseArgs(['--db-durable', '--port', '1']).settings).toEqual({ dbDurable: 'true', port: '1' });
    expect(parseArgs(['--prompt-caching', 'OFF']).settings).toEqual({ promptCaching: 'off' });
    expect(parseArgs(['--prompt-caching=false']).settings).toEqual({ promptCaching: 'false' });
    expect(parseArgs(['--no-prompt-caching']).settings).toEqual({ promptCaching: 'false' });
    expect(() => parseArgs(['--no-port'])).toThrow(/Unknown option --no-port/);
  });

  it('reads status and logs flags', () => {
    expect(parseArgs(['status', '--all', '--json', '--url', 'http://h:1', '--token=t'])).toMatchObject({ command: 'status', client: { all: true, json: true, url: 'http://h:1', token: 't' } });
    expect(parseArgs(['logs', 'inst_12', '-f', '--tail', '5'])).toMatchObject({ command: 'logs', client: { instance: 'inst_12', follow: true, tail: '5' } });
    expect(() => parseArgs(['logs'])).toThrow(/logs needs an instance id/);
    expect(() => parseArgs(['logs', 'a', 'b'])).toThrow(/Unexpected argument "b" for logs/);
    expect(() => parseArgs(['status', '--follow'])).toThrow(/Unknown option --follow for status/);
    expect(() => parseArgs(['status', '--json=yes'])).toThrow(/--json takes no value/);
  });

  it('names an unknown flag or a missing value, and suggests the nearest flag', () => {
    expect(() => parseArgs(['--prot', '1'])).toThrow(/Unknown option --prot\. Did you mean --port\?/);
    expect(() => parseArgs(['--port'])).toThrow(/--port needs a value/);
    expect(() => parseArgs(['--port', '--stdio'])).toThrow(/--port needs a value/);
    expect(() => parseArgs(['simulator', '--stdio'])).toThrow(/Unknown option --stdio for simulator/);
    expect(() => parseArgs(['logs', 'x', '--folow'])).toThrow(/Did you mean --follow\?/);
  });

  it('calls an unknown command a command, suggests the nearest one and lists them', () => {
    expect(() => parseArgs(['stauts'])).toThrow('Unknown command "stauts". Did you mean "status"? Commands: serve, status, logs, simulator, demo, help.');
    expect(() => parseArgs(['frobnicate'])).toThrow('Unknown command "frobnicate". Commands: serve, status, logs, simulator, demo, help.');
    expect(() => parseArgs(['--port', '1', 'serve'])).toThrow(/Commands go first/);
  });

  it('routes help: `help <topic>`, and a command`s --help to its topic', () => {
    expect(parseArgs(['help'])).toMatchObject({ command: 'help' });
    expect(parseArgs(['help', 'settings'])).toMatchObject({ command: 'help', topic: 'settings' });
    expect(parseArgs(['logs', '--help'])).toMatchObject({ command: 'help', topic: 'logs' });
    expect(parseArgs(['serve', '--help']).topic).toBeUndefined();
  });
});

describe('help', () => {
  const lines = (text: string) => text.split('\n');

  it('--help fits a terminal: one screen, every line within 80 columns, switches without a value', () => {
    const text = helpText();
    expect(lines(text).length).toBeLessThanOrEqual(40);
    for (const line of lines(text)) expect(line.length, line).toBeLessThanOrEqual(HELP_WIDTH);
    for (const word of ['status', 'logs', 'simulator', 'demo', 'ORCHESTRATOR_PORT', 'ANTHROPIC_API_KEY', 'LOG_FORMAT', '--stdio', 'help settings']) expect(text).toContain(word);
    expect(text).not.toMatch(/<value>/);
  });

  it('every topic fits in 80 columns; settings names every variable and shows switches bare', () => {
    for (const topic of TOPIC_NAMES) for (const line of lines(topicText(topic))) expect(line.length, `${topic}: ${line}`).toBeLessThanOrEqual(HELP_WIDTH);
    for (const line of lines(topicList())) expect(line.length).toBeLessThanOrEqual(HELP_WIDTH);
    const settings = topicText('settings');
    for (const word of ['ORCHESTRATOR_PORT', 'MAX_INSTANCES', 'WORKSPACE_DIR', 'LOG_LEVEL', 'LOG_FORMAT', '--port N', '--log-format FORMAT']) expect(settings).toContain(word);
    expect(settings).toMatch(/^ {2}--db-durable +ORCHESTRATOR_DB_DURABLE$/m);
    const tools = topicText('tools');
    for (const word of ['spawn_claude', 'terminate_instance', 'data_analyst']) expect(tools).toContain(word);
  });

  it('lists the topics, and an unknown topic names them', () => {
    for (const topic of TOPIC_NAMES) expect(topicList()).toContain(topic);
    expect(() => topicText('setings')).toThrow(/Unknown help topic "setings"\. Did you mean "settings"\? Topics: settings, tools, http/);
  });
});
