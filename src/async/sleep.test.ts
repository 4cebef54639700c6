import { describe, expect, it } from 'vitest';
import { OrchestratorError } from '../domain/errors.js';
import { sleep } from './sleep.js';

describe('sleep', () => {
  it('ends with the abort reason as soon as the signal aborts, long before its time', async () => {
    const controller = new AbortController();
    const waiting = sleep(3_600_000, controller.signal);
    controller.abort(new OrchestratorError('cancelled', 'stop'));
    await expect(waiting).rejects.toMatchObject({ code: 'cancelled', message: 'stop' });
  });

  it('refuses to start on an aborted signal, and names a cancel when the reason is not an Error', async () => {
    await expect(sleep(3_600_000, AbortSignal.abort('plain'))).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('resolves after its time when nothing aborts', async () => {
    await expect(sleep(1, new AbortController().signal)).resolves.toBeUndefined();
  });
});
