import type { EventBus } from '../orchestrator/events.js';

/**
 * Counts the listeners subscribed to `events` from now on that have not stopped yet: wraps the bus's own
 * subscribe (no mock; every event still reaches every listener through the real bus).
 */
export function countListeners(events: EventBus): () => number {
  const live = new Set<() => void>();
  const subscribe = events.subscribe.bind(events);
  events.subscribe = (listener) => {
    const stop = subscribe(listener);
    const tracked = () => {
      live.delete(tracked);
      stop();
    };
    live.add(tracked);
    return tracked;
  };
  return () => live.size;
}
