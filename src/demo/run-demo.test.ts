import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo } from './run-demo.js';

describe('the integration demo', () => {
  it('runs offline without a key, says so first, and leaves the app, the tree and the costs', async () => {
    const lines: string[] = [];
    const outDir = join(mkdtempSync(join(tmpdir(), 'demo-')), 'app');
    const { files, result, agentFiles } = await runDemo({ env: {}, outDir, write: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/^OFFLINE DEMO: .*simulator/);
    expect(result.success).toBe(true);
    expect(result.plan?.map((s) => s.depends_on)).toEqual([[], ['t1']]);
    for (const f of ['server/server.js', 'server/tasks.js', 'web/index.html', 'web/app.js', 'README.md']) {
      expect(files).toContain(join(outDir, f));
      expect(existsSync(join(outDir, f))).toBe(true);
    }
    expect(readFileSync(join(outDir, 'server/tasks.js'), 'utf8')).toMatch(/createTaskStore/);
    const text = lines.join('\n');
    expect(text).toMatch(/Bo \(backend_developer\) finished sub-task t1/);
    expect(text).toMatch(/└─ t2 → Cy \[frontend_developer\] \(wave 2, after t1\): completed/);
    expect(text).toMatch(/^Ada +2 +\d+ +\d+ +\d+ +\$\d\.\d{4} +\d+\.\ds$/m);
    expect(text).toMatch(/^total: \d+ tokens, \$\d\.\d{4}/m);
    // A real Claude Code agent on the simulator used its Write tool: the file is in its workspace, the
    // turn's changed_files names it, and it is copied next to the app.
    expect(text).toMatch(/Its turn used Write; changed_files: USAGE\.md in /);
    expect(agentFiles).toEqual([join(outDir, 'USAGE.md')]);
    expect(readFileSync(join(outDir, 'USAGE.md'), 'utf8')).toBe('Run node server/server.js, then open http://localhost:3000 to list, add, complete and delete tasks.\n');
    expect(text).toMatch(/^Dee +1 +\d+ +\d+ +\d+ +\$\d\.\d{4}/m);
  });

  it('runs without the agent when asked to', async () => {
    const lines: string[] = [];
    const outDir = join(mkdtempSync(join(tmpdir(), 'demo-')), 'app');
    const { result, agentFiles } = await runDemo({ env: {}, outDir, write: (l) => lines.push(l), agent: false });
    expect(result.success).toBe(true);
    expect(agentFiles).toEqual([]);
    expect(lines.join('\n')).not.toMatch(/Claude Code agent/);
  });
});
