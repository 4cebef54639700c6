import { describe, expect, it } from 'vitest';
import { whileBusy } from './sqlite-store.js';

const busy = (code: string) => Object.assign(new Error('database is locked'), { code });

describe('start-up steps on a busy file', () => {
  it('are tried again while SQLite answers busy or locked, then return what the step returns', () => {
    let calls = 0;
    const value = whileBusy(() => {
      calls += 1;
      if (calls === 1) throw busy('SQLITE_BUSY');
      if (calls === 2) throw busy('SQLITE_BUSY_RECOVERY');
      if (calls === 3) throw busy('SQLITE_LOCKED');
      return 'wal';
    });
    expect(value).toBe('wal');
    expect(calls).toBe(4);
  });

  it('throw any other error at once, and a busy one once the wait is over', () => {
    let calls = 0;
    expect(() =>
      whileBusy(() => {
        calls += 1;
        throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
      }),
    ).toThrow(/disk I\/O/);
    expect(calls).toBe(1);
    expect(() => whileBusy(() => { throw busy('SQLITE_BUSY'); }, 0)).toThrow(/locked/);
  });
});
