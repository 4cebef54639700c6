import { describe, expect, it } from 'vitest';
import { DEFAULTS } from './defaults.js';
import { loadConfig } from './load-config.js';

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

  it('treats empty env values as unset', () => {
    expect(loadConfig({ ANTHROPIC_API_KEY: '' }).apiKey).toBeUndefined();
  });

  it('names the variable at fault, and never echoes a secret', () => {
    expect(() => loadConfig({ ORCHESTRATOR_PORT: 'eighty' })).toThrow(/ORCHESTRATOR_PORT "eighty"/);
    expect(() => loadConfig({}, { maxInstances: '0' })).toThrow(/--max-instances/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ ANTHROPIC_BASE_URL: 'not a url' })).toThrow(/ANTHROPIC_BASE_URL/);
  });

  it('takes typed overrides from the library API', () => {
    expect(loadConfig({ MAX_INSTANCES: '3' }, {}, { maxInstances: 7 }).maxInstances).toBe(7);
  });
});
