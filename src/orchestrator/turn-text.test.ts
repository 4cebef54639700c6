import { afterEach, describe, expect, it, vi } from 'vitest';
import { TurnTextStream } from './turn-text.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('TurnTextStream', () => {
  it('publishes the first chunk at once, batches the rest per interval, and close() flushes what is pending', () => {
    vi.useFakeTimers();
    const out: Array<[number, string]> = [];
    const stream = new TurnTextStream((offset, text) => out.push([offset, text]), 250, () => Date.now());
    stream.push('Hel');
    expect(out).toEqual([[0, 'Hel']]);
    stream.push('lo, ');
    stream.push('wor');
    expect(out).toHaveLength(1);
    vi.advanceTimersByTime(250);
    expect(out).toEqual([[0, 'Hel'], [3, 'lo, wor']]);
    stream.push('ld');
    stream.push('!');
    stream.close();
    expect(out).toEqual([[0, 'Hel'], [3, 'lo, wor'], [10, 'ld!']]);
    // After close nothing more goes out, not even from a timer.
    stream.push('late');
    vi.advanceTimersByTime(1_000);
    expect(out.map(([, t]) => t).join('')).toBe('Hello, world!');
  });

  it('publishes at most one event per interval however many chunks arrive', () => {
    vi.useFakeTimers();
    const out: string[] = [];
    const stream = new TurnTextStream((_offset, text) => out.push(text), 250, () => Date.now());
    for (let i = 0; i < 100; i++) {
      stream.push(`${i} `);
      vi.advanceTimersByTime(10); // 100 chunks over one second
    }
    stream.close();
    expect(out.length).toBeLessThanOrEqual(6);
    expect(out.join('')).toBe(Array.from({ length: 100 }, (_, i) => `${i} `).join(''));
  });

  it('says nothing for a turn without text, and ignores empty chunks', () => {
    const out: string[] = [];
    const stream = new TurnTextStream((_offset, text) => out.push(text));
    stream.push('');
    stream.close();
    expect(out).toEqual([]);
  });
});
