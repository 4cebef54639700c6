import { describe, expect, it } from 'vitest';
import { escapeControls, hasControls, quoteForTerminal, stripControls } from './terminal-safe.js';

describe('terminal-safe text', () => {
  const hostile = 'a\x1b[31mb\x07c\x9b2Jd\x7fe\r\n\tf';

  it('strips C0, DEL and C1 controls but keeps newlines and tabs', () => {
    expect(stripControls(hostile)).toBe('a[31mbc2Jde\n\tf');
    expect(stripControls('plain text, ünïcödé ✓')).toBe('plain text, ünïcödé ✓');
  });

  it('escapes every control character visibly, removing nothing', () => {
    expect(escapeControls(hostile)).toBe('a\\u001b[31mb\\u0007c\\u009b2Jd\\u007fe\\u000d\\n\\tf');
    expect(quoteForTerminal('x\x9by')).toBe('"x\\u009by"');
    expect(JSON.parse(quoteForTerminal(hostile))).toBe(hostile);
  });

  it('tells text with controls from text without', () => {
    expect(hasControls('a\nb')).toBe(true);
    expect(hasControls('a\x1bb')).toBe(true);
    expect(hasControls('a b')).toBe(false);
  });
});
