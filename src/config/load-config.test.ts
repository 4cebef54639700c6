import { describe, expect, it } from 'vitest';
import { DEFAULTS } from './defaults.js';
import { loadConfig, settingFromEnv } from './load-config.js';

describe('loadConfig', () => {
  it('uses the defaults module when nothing is set', () => {
    const c = loadConfig({});
    expect(c.port).toBe(DEFAULTS.port);
    expect(c.host).toBe('localhost');
    expect(c.maxInstances).toBe(10);
    expect(c.workspaceDir).toBe('/tmp/claude_orchestrator');
    expect(c.apiKey).toBeUndefined();
  });

  it('reads env variables, and flags win over env', () => {
    const c = loadConfig({ ORCHESTRATOR_PORT: '9000', MAX_INSTANCES: '3', LOG_LEVEL: 'DEBUG', MAX_TOTAL_COST: '2.5' }, { port: '9001' });
    expect(c.port).toBe(9001);
    expect(c.maxInstances).toBe(3);
    expect(c.logLevel).toBe('debug');
    expect(c.maxTotalCostUsd).toBe(2.5);
  });

  it('still reads a renamed variable under its former name, the new name winning', () => {
    expect(loadConfig({ CLAUDE_CODE_PERMISSION_TIMEOUT_SECONDS: '45' }).approvalTimeoutSeconds).toBe(45);
    expect(loadConfig({ CLAUDE_CODE_PERMISSION_TIMEOUT_SECONDS: '45', APPROVAL_TIMEOUT_SECONDS: '9' }).approvalTimeoutSeconds).toBe(9);
    expect(() => loadConfig({ CLAUDE_CODE_PERMISSION_TIMEOUT_SECONDS: 'soon' })).toThrow(/CLAUDE_CODE_PERMISSION_TIMEOUT_SECONDS/);
  });

  it('treats empty env values as unset', () => {
    expect(loadConfig({ ANTHROPIC_API_KEY: '' }).apiKey).toBeUndefined();
  });

  it('names the flag or variable at fault and what it takes', () => {
    expect(() => loadConfig({}, { port: 'abc' })).toThrow('--port takes an integer from 0 to 65535, got "abc".');
    expect(() => loadConfig({ ORCHESTRATOR_PORT: 'eighty' })).toThrow('ORCHESTRATOR_PORT takes an integer from 0 to 65535, got "eighty".');
    expect(() => loadConfig({}, { maxInstances: '0' })).toThrow('--max-instances takes an integer of 1 or more, got "0".');
    expect(() => loadConfig({ MAX_TOTAL_COST: '-1' })).toThrow('MAX_TOTAL_COST takes a positive number, got "-1".');
    expect(() => loadConfig({ SHUTDOWN_GRACE_SECONDS: 'soon' })).toThrow('SHUTDOWN_GRACE_SECONDS takes a number from 0 to 3600, got "soon".');
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow('LOG_LEVEL takes one of fatal, error, warn, info, debug, trace, silent, got "loud".');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow('LOG_FORMAT takes one of auto, pretty, json, got "xml".');
    expect(() => loadConfig({}, { dbDurable: 'yes' })).toThrow('--db-durable takes one of true, false, 1, 0, got "yes".');
    expect(() => loadConfig({ ANTHROPIC_BASE_URL: 'not a url' })).toThrow(/ANTHROPIC_BASE_URL takes a URL/);
  });

  it('keeps a schema`s own wording where it has one, and never echoes a secret', () => {
    expect(() => loadConfig({ ORCHESTRATOR_TOKEN: 'short-secret' })).toThrow(/^Invalid ORCHESTRATOR_TOKEN \(hidden\): each token needs at least 32 characters/);
    expect(() => loadConfig({ ORCHESTRATOR_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
  });

  it('reads LOG_FORMAT, auto by default', () => {
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }, { logFormat: 'json' }).logFormat).toBe('json');
  });

  it('reads one setting alone from the environment, with the same messages', () => {
    expect(settingFromEnv('port', { ORCHESTRATOR_PORT: '9000' })).toBe(9000);
    expect(settingFromEnv('port', {})).toBeUndefined();
    expect(() => settingFromEnv('port', { ORCHESTRATOR_PORT: 'x' })).toThrow('ORCHESTRATOR_PORT takes an integer from 0 to 65535, got "x".');
  });

  it('takes typed overrides from the library API', () => {
    expect(loadConfig({ MAX_INSTANCES: '3' }, {}, { maxInstances: 7 }).maxInstances).toBe(7);
  });
});
