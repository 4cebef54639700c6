// claude-orchestrator dashboard: when to reload what. Loaded before dashboard.js.
'use strict';

/**
 * Coalesces requests to reload parts of the page (`refresh('instances', 'tasks')`) into one run of their loaders
 * at most every `delayMs`. One run at a time: what is asked for meanwhile waits for it and goes in the next
 * run, so an older, slower response can never land after (and overwrite) a newer one. A loader that fails
 * goes to `onError`; the others still run.
 */
function createRefresher(loaders, onError, delayMs = 250) {
  const dirty = new Set();
  let timer = null;
  let running = false;
  const schedule = () => {
    if (timer === null && !running && dirty.size > 0) timer = setTimeout(run, delayMs);
  };
  async function run() {
    timer = null;
    running = true;
    const todo = [...dirty];
    dirty.clear();
    try {
      await Promise.all(todo.map((what) => Promise.resolve().then(() => loaders[what]()).catch(onError)));
    } finally {
      running = false;
      schedule();
    }
  }
  return (...what) => {
    for (const w of what) dirty.add(w);
    schedule();
  };
}
