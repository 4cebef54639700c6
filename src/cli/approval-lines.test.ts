import { describe, expect, it } from 'vitest';
import type { ApprovalView } from '../approvals/approval-view.js';
import { renderApprovals } from './approval-lines.js';

const ask = (id: string, extra: Partial<ApprovalView> = {}): ApprovalView => ({
  approval_id: id,
  instance_id: 'inst_kid',
  agent_path: 'Lead (inst_root) → Coder (inst_kid)',
  tool: 'Bash',
  input: { command: 'npm test' },
  reason: 'the policy asks before Bash',
  state: 'pending',
  created_at: '2026-11-27T12:00:00.000Z',
  expires_at: '2026-11-27T12:05:00.000Z',
  node: 'host:1:1',
  ...extra,
});

describe("status's pending approvals", () => {
  it('says nothing when none waits', () => {
    expect(renderApprovals([])).toBe('');
  });

  it('shows a line per pending ask: id, tool, agent path, input, and when it is denied unless answered', () => {
    const text = renderApprovals([ask('appr_1'), ask('appr_2', { tool: 'WebFetch', input: { url: 'https://example.com' } })]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^Pending approvals \(2\): answer with the answer_approval tool/);
    expect(lines[1]).toBe('  appr_1  Bash  Lead (inst_root) → Coder (inst_kid)  {"command":"npm test"}  (denied at 2026-11-27T12:05:00.000Z unless answered)');
    expect(lines[2]).toContain('appr_2  WebFetch');
    expect(lines).toHaveLength(3);
  });

  it("keeps an agent's text from driving the terminal, and shortens long inputs", () => {
    const text = renderApprovals([ask('appr_1', { agent_path: 'Evil\u001b[2J\nName (inst_x)', input: { command: 'x'.repeat(500) } })]);
    const line = text.split('\n')[1] ?? '';
    expect(line).not.toMatch(/\u001b/);
    expect(text.split('\n')).toHaveLength(2);
    expect(line).toContain('…');
    expect(line.length).toBeLessThan(250);
  });
});
