import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentScript } from '../src/test-support/claude-code-kit.js';
import { useE2eSession, WAIT } from './support/session.js';

// A real Claude Code agent, made by the simulator to run a Bash command that prints for longer than the stall limit.
const session = useE2eSession({ script: agentScript(), env: { MAX_TOKENS_PER_INSTANCE: '1000000', STALL_TIMEOUT_SECONDS: '1' } });
const tool = session.tool;

describe('activity in the dashboard', () => {
  it('shows "running Bash" with its seconds in the instance tree while the tool runs, and nothing once idle', async () => {
    const page = await session.signedInPage();

    const agent = await tool('spawn_claude', { name: 'Ticker', backend: 'claude-code', permissions: { allowed_tools: ['Bash(/bin/sh -c:*)'] } });
    // It prints until the test creates the gate file: it runs as long as the test needs.
    const gate = join(mkdtempSync(join(tmpdir(), 'activity-gate-')), 'gate');
    const command = `BASH /bin/sh -c 'while [ ! -f ${gate} ]; do echo tick; sleep 0.2; done; echo released'`;
    const handle = await tool('send_to_instance', { instance_id: agent['instance_id'], message: command, wait_seconds: 0 });

    const badge = page.locator(`tr[data-id="${agent['instance_id']}"] [data-testid="activity"][data-activity="running_tool"]`);
    await badge.waitFor(WAIT);
    expect(await badge.innerText()).toMatch(/^running Bash \d+s$/);
    // Its seconds tick on the page, past the 1 s stall limit, and it is still running.
    await expect.poll(() => badge.innerText(), { ...WAIT, interval: 200 }).toMatch(/^running Bash ([3-9]|\d\d+)s$/);
    writeFileSync(gate, '');

    const done = await tool('get_task', { task_id: handle['task_id'], wait_seconds: 120 });
    expect(done['state']).toBe('completed');
    expect(done['result']['reply']).toContain('released');
    await page.locator(`tr[data-id="${agent['instance_id']}"] [data-testid="activity"][data-activity="running_tool"]`).waitFor({ state: 'detached', ...WAIT });
    await tool('terminate_instance', { instance_id: agent['instance_id'] });
    await page.close();
  });
});
