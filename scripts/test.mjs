// `npm test`: build, typecheck, run every test with coverage, and end with the one plain summary line
// (`tests: N passed, N failed, N skipped`) really last, after vitest's coverage report. Exits non-zero when
// the build, the typecheck, any test or the coverage threshold fails.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
for (const script of ['build', 'typecheck']) {
  const step = spawnSync(npm, ['run', '--silent', script], { stdio: 'inherit' });
  if (step.status !== 0) {
    process.stdout.write(`\nnpm run ${script} failed: no tests were run\n`);
    process.exit(step.status ?? 1);
  }
}
const dir = mkdtempSync(join(tmpdir(), 'test-summary-'));
const summaryFile = join(dir, 'summary.txt');
const vitest = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--coverage', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, TEST_SUMMARY_FILE: summaryFile },
});
let summary = 'tests: no summary (vitest did not finish its run)';
try {
  summary = readFileSync(summaryFile, 'utf8').trim();
} catch {
  // vitest crashed before its reporters ran: say so rather than print nothing.
}
rmSync(dir, { recursive: true, force: true });
const code = vitest.status ?? 1;
process.stdout.write(`\n${code === 0 ? '' : `vitest exited ${code}${vitest.signal ? ` (${vitest.signal})` : ''}\n`}${summary}\n`);
process.exit(code);
