import { describe, expect, it } from 'vitest';
import { fileContent, findWriteRequest, targetPath, workingDirectory } from './write-request.js';

describe('reading a request to write a file', () => {
  it.each([
    ['create hello.txt containing hi', 'hello.txt', 'hi'],
    ['Create hello.txt containing "hi there".', 'hello.txt', 'hi there'],
    ['write a file named notes.md', 'notes.md', undefined],
    ['Please write a new file called src/app.py with the content: print(1)', 'src/app.py', 'print(1)'],
    ['create a file `party/plan.md` with "Cake at 3"', 'party/plan.md', 'Cake at 3'],
    ["write 'milk, eggs' to list.txt", 'list.txt', 'milk, eggs'],
    ['save "remember the keys" in a file named todo.txt', 'todo.txt', 'remember the keys'],
    ['make the file /tmp/x/out.json that says {"ok":true}', '/tmp/x/out.json', '{"ok":true}'],
    ['Some context first.\nThen: create report.md containing Done.', 'report.md', 'Done'],
  ])('%j', (text, path, content) => {
    expect(findWriteRequest(text)).toMatchObject({ path, content });
  });

  it.each([
    'Create a responsive navigation component',
    'Build a small web app with Node.js built-ins; add a test for it.',
    'What is in hello.txt?',
    'Plan a birthday party',
    'Write a short poem about files',
  ])('finds none in %j', (text) => {
    expect(findWriteRequest(text)).toBeUndefined();
  });

  it("reads Claude Code's working directory from its environment section", () => {
    const system = 'You are an agent.\n# Environment\n - Primary working directory: /tmp/ws/inst_1\n - Is a git repository: false';
    expect(workingDirectory(system)).toBe('/tmp/ws/inst_1');
    expect(workingDirectory('You are helpful.')).toBeUndefined();
  });

  it('places a relative path in the working directory, keeps an absolute one, and refuses to climb out', () => {
    expect(targetPath('notes/a.md', '/ws')).toBe('/ws/notes/a.md');
    expect(targetPath('/abs/b.txt', undefined)).toBe('/abs/b.txt');
    expect(targetPath('a.md', undefined)).toBeUndefined();
    expect(targetPath('../escape.txt', '/ws')).toBeUndefined();
    expect(targetPath('/ws/../etc/x.txt', '/ws')).toBeUndefined();
  });

  it('writes the asked content with a final newline, or a note in the file type’s comment syntax', () => {
    expect(fileContent({ path: 'a.txt', content: 'hi', sentence: '' }, 'general assistant')).toBe('hi\n');
    expect(fileContent({ path: 'notes.md', content: undefined, sentence: 'write a file named notes.md' }, 'general assistant')).toBe(
      '# notes.md: written by the simulated general assistant for "write a file named notes.md"\n',
    );
    expect(fileContent({ path: 'x.js', content: undefined, sentence: 's' }, 'w')).toMatch(/^\/\/ x\.js/);
  });
});
