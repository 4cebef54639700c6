/**
 * `promise`'s outcome, or a rejection with `reason()` the moment `signal` aborts, whichever comes first.
 * For waits on work that may ignore the signal (a callback, a queue, a held reply): the waiter stops
 * waiting even if the work goes on. The listener is removed either way, so nothing leaks.
 */
export function rejectOnAbort<T>(promise: Promise<T>, signal: AbortSignal, reason: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(reason());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
