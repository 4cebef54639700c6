import { describe, expect, it } from 'vitest';
import { evidenceLine } from './evidence-line.js';

describe('evidenceLine', () => {
  it('says in one line what a turn did: tools, files, commands with failures, model calls, tokens', () => {
    expect(
      evidenceLine({
        tool_calls: { Write: 1, Bash: 2 },
        files: [{ path: 'app.js', bytes: 10, sha256: 'x' }],
        commands: [{ command: 'npm test', exit_code: 0 }, { command: 'false', exit_code: 1 }],
        model_calls: 3,
        tokens: 12_345,
      }),
    ).toBe('Write, Bash ×2; 1 file changed (app.js); 2 commands (1 failed); 3 model calls; 12,345 tokens');
  });

  it('says when nothing was done, and names only the first files of many', () => {
    expect(evidenceLine({ tool_calls: {}, files: [], commands: [], model_calls: 1, tokens: 40 })).toBe('no tool call; no file changed; 1 model call; 40 tokens');
    const files = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((path) => ({ path, bytes: 1, sha256: null }));
    expect(evidenceLine({ tool_calls: { Write: 7 }, files, commands: [], model_calls: 2, tokens: 9 })).toContain('7 files changed (a, b, c, d, e, +2 more)');
  });
});
