// The cluster bench's `failover` part: the time from a node's `kill -9` to its api instances answering on
// another node. Node B stays up; each round a new node A spawns api instances and talks to them, starts a slow
// turn on one more, and is killed mid-turn. Then, through B: how long until each idle instance answers (they
// belong to the cluster, so at once), and until the one whose turn A was running answers (its turn lease must be
// taken back first: A declared dead, the turn marked interrupted). Two ways a node is found dead: `same-host`
// (its process is gone, seen at B's next node check) and, as root, `other-host` (A under a host name of its own,
// so B judges it by its heartbeat, as across machines: NODE_DEAD_SECONDS).
import { MESSAGE, ROLE } from '../kernel/common.mjs';
import { SLOW, assertPostgresStore, canSeparateHosts, freePort, nodeEnv, removeDir, sleep, startNode, startSimulatorProcess, stats, tempDir, tool, waitFor } from './common.mjs';

let atOnce = false;

export async function partFailover(pg) {
  const rounds = Number(process.env.BENCH_FAILOVER_ROUNDS ?? 3);
  const idle = Number(process.env.BENCH_FAILOVER_INSTANCES ?? 4);
  const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50);
  atOnce = process.env.BENCH_FAILOVER_SEND_AT_ONCE === '1';
  const settings = { NODE_HEARTBEAT_SECONDS: process.env.NODE_HEARTBEAT_SECONDS ?? '1', NODE_DEAD_SECONDS: process.env.NODE_DEAD_SECONDS ?? '3' };
  const modes = ['same-host', ...(canSeparateHosts() ? ['other-host'] : [])];
  const sim = await startSimulatorProcess({ latencyMs, slowMs: 120_000 });
  try {
    const results = {};
    for (const mode of modes) results[mode] = await runMode(pg, sim.url, mode, rounds, idle, settings);
    return {
      part: 'failover',
      store: 'PostgreSQL 15 on 127.0.0.1',
      settings,
      simulator_latency_ms: latencyMs,
      rounds,
      idle_instances_per_round: idle,
      mid_turn_send: atOnce ? 'at once after the kill' : 'once B shows the instance idle again',
      ...(modes.includes('other-host') ? {} : { skipped: 'other-host needs root (unshare --uts) to give node A a host name of its own' }),
      modes: results,
    };
  } finally {
    await sim.close();
  }
}

async function runMode(pg, simUrl, mode, rounds, idleCount, settings) {
  const db = await pg.createDatabase();
  const host = (name) => (mode === 'other-host' ? { host: name } : {});
  const dirs = [tempDir('cluster-fo-b-')];
  const b = await startNode(nodeEnv({ db, workspaceDir: dirs[0], port: await freePort(), simUrl, extra: settings }), host('bench-node-b'));
  const idleMs = [];
  const midTurnMs = [];
  const recoveredMs = [];
  const checks = { interrupted_turn_marked: 0, holds_released: 0, no_task_working: 0 };
  let a;
  try {
    await assertPostgresStore(db);
    for (let r = 0; r < rounds; r++) {
      const dir = tempDir(`cluster-fo-a${r}-`);
      dirs.push(dir);
      a = await startNode(nodeEnv({ db, workspaceDir: dir, port: await freePort(), simUrl, extra: settings }), host(`bench-node-a${r}`));
      const ids = [];
      for (let i = 0; i < idleCount; i++) {
        const id = (await tool(a.url, 'spawn_claude', { name: `idle${r}-${i}`, role: ROLE })).instance_id;
        await tool(a.url, 'send_to_instance', { instance_id: id, message: MESSAGE });
        ids.push(id);
      }
      const busy = (await tool(a.url, 'spawn_claude', { name: `busy${r}`, role: ROLE })).instance_id;
      // Never answered: the simulator holds this reply past the kill.
      void tool(a.url, 'send_to_instance', { instance_id: busy, message: `${SLOW} ${MESSAGE}`, wait_seconds: 300 }).catch(() => undefined);
      await waitFor(async () => (await tool(b.url, 'get_instance_status', { instance_id: busy })).state === 'busy', 30_000, 'the slow turn to start on A');

      const killedAt = performance.now();
      await a.kill();
      const answered = async (id, into) => {
        await waitFor(() => tool(b.url, 'send_to_instance', { instance_id: id, message: MESSAGE, timeout_seconds: 120, wait_seconds: 120 }).then((s) => typeof s.reply === 'string'), 180_000, `instance ${id} to answer on B`);
        into.push(performance.now() - killedAt);
      };
      // The instance A was running a turn of is sent to once B shows it idle again (its turn marked interrupted):
      // a send queued on B earlier made B count the turn as its own and never take it back (found by this bench;
      // BENCH_FAILOVER_SEND_AT_ONCE=1 sends at once, to check a fix).
      const recovered = (async () => {
        if (atOnce) return answered(busy, midTurnMs);
        await waitFor(async () => (await tool(b.url, 'get_instance_status', { instance_id: busy })).state !== 'busy', 180_000, `instance ${busy} to be taken back`);
        recoveredMs.push(performance.now() - killedAt);
        await answered(busy, midTurnMs);
      })();
      await Promise.all([...ids.map((id) => answered(id, idleMs)), recovered]);

      const output = await tool(b.url, 'get_instance_output', { instance_id: busy });
      if (output.messages.some((m) => m.role === 'user' && m.failed && /interrupted/i.test(m.error ?? ''))) checks.interrupted_turn_marked += 1;
      if ((await tool(b.url, 'list_instances', {})).totals.in_flight_cost_usd === 0) checks.holds_released += 1;
      const working = await (await fetch(`${b.url}/tasks?state=working`)).json();
      if ((working.total ?? working.tasks?.length ?? 0) === 0) checks.no_task_working += 1;
      a = undefined;
      await sleep(100);
    }
    return {
      detection: mode === 'same-host' ? 'process gone (pid and start time), seen at the next node check' : `heartbeat older than NODE_DEAD_SECONDS (${settings.NODE_DEAD_SECONDS} s)`,
      idle_instance_answers_on_b_ms: stats(idleMs),
      mid_turn_instance_idle_again_ms: stats(recoveredMs),
      mid_turn_instance_answers_on_b_ms: stats(midTurnMs),
      checks_passed_of_rounds: checks,
    };
  } catch (error) {
    process.stderr.write(`[failover ${mode}] node B stderr tail:\n${b.stderr()}\n`);
    if (a) process.stderr.write(`[failover ${mode}] node A stderr tail:\n${a.stderr()}\n`);
    throw error;
  } finally {
    if (a) await a.kill();
    await b.stop();
    for (const dir of dirs) removeDir(dir);
  }
}
