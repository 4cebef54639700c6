import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config/load-config.js';
import { silentLogger } from '../observability/logger.js';
import { startServer, type RunningServer } from '../server.js';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';

export interface Stack {
  readonly sim: RunningSimulator;
  readonly server: RunningServer;
  /** HTTP base URL of the orchestrator. */
  readonly url: string;
  readonly config: Config;
  close(): Promise<void>;
}

/** The real server (HTTP on an ephemeral loopback port) in front of the real simulator. */
export async function startStack(overrides: Partial<Config> = {}): Promise<Stack> {
  const sim = await startSimulator();
  const config = loadConfig(
    {},
    {},
    { port: 0, host: '127.0.0.1', apiKey: 'sim-key', baseUrl: sim.url, workspaceDir: mkdtempSync(join(tmpdir(), 'orch-ws-')), ...overrides },
  );
  const server = await startServer({ config, logger: silentLogger() }).catch(async (error: unknown) => {
    await sim.close();
    throw error;
  });
  return {
    sim,
    server,
    url: server.url as string,
    config,
    close: async () => {
      await server.close();
      await sim.close();
    },
  };
}
