import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CHILD_ENV_FORBIDDEN, childEnv } from './child-env.js';

const SERVER_ENV = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/u',
  LANG: 'en_US.UTF-8',
  LC_ALL: 'C.UTF-8',
  HTTPS_PROXY: 'http://proxy:3128',
  ANTHROPIC_API_KEY: 'sk-ant-server-key',
  ORCHESTRATOR_TOKEN: 'orchestrator-token-value-0123456789abcdef',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  GITHUB_TOKEN: 'ghp_x',
  DATABASE_URL: 'postgres://u:p@h/db',
  NODE_OPTIONS: '--require /tmp/evil.js',
  EMPTY: undefined,
};

describe('childEnv', () => {
  it('passes only allowlisted variables, never secrets or code-loading ones', () => {
    const env = childEnv(SERVER_ENV);
    expect(env).toEqual({ PATH: '/usr/bin:/bin', HOME: '/home/u', LANG: 'en_US.UTF-8', LC_ALL: 'C.UTF-8', HTTPS_PROXY: 'http://proxy:3128' });
  });

  it('copies extra names on request and sets explicit values, such as the key a child must use', () => {
    const env = childEnv(SERVER_ENV, { allow: ['DATABASE_URL', 'NOT_SET'], set: { ANTHROPIC_API_KEY: 'sk-ant-child', CLAUDE_CONFIG_DIR: '/ws/.claude' } });
    expect(env['DATABASE_URL']).toBe('postgres://u:p@h/db');
    expect(env['ANTHROPIC_API_KEY']).toBe('sk-ant-child');
    expect(env['CLAUDE_CONFIG_DIR']).toBe('/ws/.claude');
    expect('NOT_SET' in env).toBe(false);
    expect(env['AWS_SECRET_ACCESS_KEY']).toBeUndefined();
  });

  it.each(CHILD_ENV_FORBIDDEN)('refuses to hand %s to a child even when asked', (name) => {
    expect(() => childEnv(SERVER_ENV, { allow: [name] })).toThrow(/never be passed/);
    expect(() => childEnv(SERVER_ENV, { set: { [name]: 'x' } })).toThrow(/never be passed/);
  });

  it('is what a real child process sees', async () => {
    const env = childEnv({ ...SERVER_ENV, PATH: process.env['PATH'] });
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(Object.keys(process.env).sort()))'], { env });
    const seen = JSON.parse(stdout) as string[];
    for (const secret of ['ANTHROPIC_API_KEY', 'ORCHESTRATOR_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'NODE_OPTIONS']) expect(seen).not.toContain(secret);
    expect(seen).toContain('PATH');
  });
});
