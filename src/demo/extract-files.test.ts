import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractFiles, isSafeRelative, writeFiles } from './extract-files.js';

describe('extractFiles', () => {
  it('finds code blocks named by the line before them or by their info string', () => {
    const text = [
      'Here is the server:',
      '`server/app.js`',
      '```js',
      "console.log('hi');",
      '```',
      '',
      '### web/index.html',
      '```html',
      '<h1>Tasks</h1>',
      '```',
      '```css web/style.css',
      'h1 { color: red; }',
      '```',
      'And an unnamed block:',
      '```',
      'ignored',
      '```',
    ].join('\n');
    expect(extractFiles(text)).toEqual([
      { path: 'server/app.js', content: "console.log('hi');\n" },
      { path: 'web/index.html', content: '<h1>Tasks</h1>\n' },
      { path: 'web/style.css', content: 'h1 { color: red; }\n' },
    ]);
  });

  it('never names a path outside the output directory', () => {
    expect(isSafeRelative('a/b.js')).toBe(true);
    for (const bad of ['../x.js', '/etc/passwd', 'a/../../x.js', 'a\0.js']) expect(isSafeRelative(bad)).toBe(false);
    expect(extractFiles('`../../evil.sh`\n```sh\nrm -rf /\n```')).toEqual([]);
  });

  it('writes files under the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-out-'));
    const written = await writeFiles(dir, [{ path: 'src/a.ts', content: 'x\n' }]);
    expect(written).toEqual([join(dir, 'src/a.ts')]);
    expect(readFileSync(join(dir, 'src/a.ts'), 'utf8')).toBe('x\n');
  });
});
