import { z } from 'zod';
import { OrchestratorError } from '../domain/errors.js';
import { startSimulator } from '../simulator/simulator.js';
import { listenError } from '../transports/listen-error.js';

/** Port 8002 sits next to the server's 8001, so the offline setup is easy to remember. */
const DEFAULT_SIMULATOR_PORT = 8002;

const SIMULATOR_TAKES: Record<string, string> = { '--port': 'an integer from 0 to 65535', '--host': 'a host name or address', '--latency-ms': 'an integer of 0 or more', '--fault-rate': 'a number from 0 to 1' };

const flagsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(DEFAULT_SIMULATOR_PORT),
  host: z.string().min(1).default('127.0.0.1'),
  latencyMs: z.coerce.number().int().min(0).default(0),
  faultRate: z.coerce.number().min(0).max(1).default(0),
});

/** `simulator`: run the local Messages API until interrupted, so anyone can try the orchestrator offline. */
export async function runSimulator(raw: { port?: string; host?: string; latencyMs?: string; faultRate?: string }): Promise<void> {
  const parsed = flagsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = { port: '--port', host: '--host', latencyMs: '--latency-ms', faultRate: '--fault-rate' }[String(issue?.path[0]) as 'port' | 'host' | 'latencyMs' | 'faultRate'] ?? 'an option';
    const value = raw[String(issue?.path[0]) as keyof typeof raw];
    throw new OrchestratorError('invalid_input', `${flag} takes ${SIMULATOR_TAKES[flag] ?? 'a valid value'}, got ${JSON.stringify(value)}.`);
  }
  const { port, host, latencyMs, faultRate } = parsed.data;
  const sim = await startSimulator({ port, host, latencyMs, ...(faultRate > 0 ? { randomFaults: { rate: faultRate } } : {}) }).catch((error: unknown) => {
    throw listenError(error, host, port) ?? error;
  });
  process.stderr.write(
    `Messages-API simulator (scripted replies, no real model) listening on ${sim.url}\n` +
      (faultRate > 0 ? `Injecting a random 429, 529, 500 or connection reset into ${faultRate * 100}% of messages requests.\n` : '') +
      `Point the orchestrator at it:  ANTHROPIC_BASE_URL=${sim.url} ANTHROPIC_API_KEY=sim npm start\n`,
  );
  const stop = () => void sim.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
