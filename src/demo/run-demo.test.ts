import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo } from './run-demo.js';

describe('the integration demo', () => {
  it('runs offline without a key, says so first, and leaves the app, the tree and the costs', async () => {
    const lines: string[] = [];
    const outDir = join(mkdtempSync(join(tmpdir(), 'demo-')), 'app');
    const { files, result } = await runDemo({ env: {}, outDir, write: (l) => lines.push(l) });
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
  });
});
