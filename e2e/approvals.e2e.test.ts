import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentScript } from '../src/test-support/claude-code-kit.js';
import { useE2eSession, WAIT } from './support/session.js';

// A Claude Code agent (the real CLI) whose model, the simulator, makes it call Bash; its calls carry ~15k tokens.
const session = useE2eSession({ script: agentScript(), env: { MAX_TOKENS_PER_INSTANCE: '1000000', APPROVAL_TIMEOUT_SECONDS: '120' } });
const tool = session.tool;

describe('approvals in the dashboard', () => {
  it("shows a child agent's pending permission ask with its agent path; Allow once lets the command run", async () => {
    const page = await session.signedInPage();
    expect(await page.locator('#approvals-panel').isHidden()).toBe(true);

    const lead = (await tool('spawn_claude', { name: 'Lead', role: 'architect' }))['instance_id'] as string;
    const coder = await tool('spawn_claude', { name: 'Coder', backend: 'claude-code', role: 'backend_developer', parent_id: lead });
    // The e2e client declares no elicitation: the ask waits in the queue.
    const handle = await tool('send_to_instance', { instance_id: coder['instance_id'], message: "BASH /bin/sh -c 'touch from-the-dashboard.txt'", wait_seconds: 0 });

    const item = page.locator('#approvals li.approval');
    await item.waitFor(WAIT);
    expect(await item.innerText()).toContain(`Lead (${lead}) → Coder (${coder['instance_id']})`);
    expect(await item.innerText()).toContain('touch from-the-dashboard.txt');
    await item.getByRole('button', { name: 'Allow once' }).click();
    await page.locator('#approvals-panel').waitFor({ state: 'hidden', ...WAIT });

    const done = await tool('get_task', { task_id: handle['task_id'], wait_seconds: 120 });
    expect(done['state']).toBe('completed');
    expect(existsSync(join(coder['workspace'] as string, 'from-the-dashboard.txt'))).toBe(true);
    await tool('terminate_instance', { instance_id: lead });
    await page.close();
  });
});
