import { describe, expect, it } from 'vitest';
import { rejectOnAbort } from './reject-on-abort.js';

describe('rejectOnAbort', () => {
  it('passes the outcome through when the signal stays quiet', async () => {
    await expect(rejectOnAbort(Promise.resolve(1), new AbortController().signal, () => new Error('x'))).resolves.toBe(1);
    await expect(rejectOnAbort(Promise.reject(new Error('boom')), new AbortController().signal, () => new Error('x'))).rejects.toThrow('boom');
    await expect(rejectOnAbort(Promise.reject('text'), new AbortController().signal, () => new Error('x'))).rejects.toThrow('text');
  });

  it('rejects with the reason at once when the signal aborts, or has already', async () => {
    const controller = new AbortController();
    const waiting = rejectOnAbort(new Promise(() => undefined), controller.signal, () => new Error('stopped'));
    controller.abort();
    await expect(waiting).rejects.toThrow('stopped');
    await expect(rejectOnAbort(Promise.resolve(1), controller.signal, () => new Error('early'))).rejects.toThrow('early');
  });
});
