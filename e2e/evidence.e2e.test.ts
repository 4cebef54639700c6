import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useE2eSession, WAIT } from './support/session.js';

// A real Claude Code agent; the simulator's own triggers make it write a file ("create … containing …") or only claim ("reply only: …").
const session = useE2eSession({ env: { MAX_TOKENS_PER_INSTANCE: '1000000' } });
const tool = session.tool;

describe('evidence in the dashboard', () => {
  it('shows under each claude-code turn what it did: verified by the file it wrote, or unverified with the reason', async () => {
    const agent = await tool('spawn_claude', { name: 'Prover', backend: 'claude-code' });
    const id = agent['instance_id'] as string;
    const wrote = await tool('send_to_instance', { instance_id: id, message: 'create shown.txt containing evidence you can see' });
    await tool('send_to_instance', { instance_id: id, message: 'Build the whole app.\nreply only: Done!' });

    const page = await session.signedInPage();
    await page.locator(`tr[data-id="${id}"]`).click();
    await page.locator('#detail h2', { hasText: 'Prover' }).waitFor(WAIT);

    const box = '#detail [data-testid="conversation"]';
    const verified = page.locator(`${box} .msg[data-seq="2"] [data-testid="evidence"]`);
    await verified.waitFor(WAIT);
    expect(await verified.getAttribute('data-verification')).toBe('verified');
    const calls = wrote['evidence']['model_calls'] as number;
    expect(await verified.innerText()).toBe(`✓ verified · Write×1 · 1 file · ${calls} calls · ${(wrote['evidence']['tokens'] as number).toLocaleString('en-US')} tokens`);
    // The details are its tooltip: the file with its size and the start of its sha256.
    const file = wrote['evidence']['files'][0];
    expect(await verified.getAttribute('title')).toContain(`file shown.txt (${file['bytes']} bytes) sha256 ${(file['sha256'] as string).slice(0, 12)}`);

    const unverified = page.locator(`${box} .msg[data-seq="4"] [data-testid="evidence"]`);
    await unverified.waitFor(WAIT);
    expect(await unverified.getAttribute('data-verification')).toBe('unverified');
    expect(await unverified.innerText()).toMatch(/^⚠ unverified: no tool call and no file change: .* · 1 call · [\d,]+ tokens$/);
    // A user message has no evidence line.
    expect(await page.locator(`${box} .msg[data-role="user"] [data-testid="evidence"]`).count()).toBe(0);
    await page.locator('#detail').screenshot({ path: join(process.env['E2E_ARTIFACTS'] ?? join(tmpdir(), 'claude-orchestrator-e2e'), 'evidence.png'), animations: 'disabled' });
    await tool('terminate_instance', { instance_id: id });
    await page.close();
  });
});
