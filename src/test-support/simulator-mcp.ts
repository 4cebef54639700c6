import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import { startSimulator, type RunningSimulator } from '../simulator/simulator.js';
import { createMcpServer } from '../transports/mcp-server.js';
import { simulatorOrchestrator } from './orchestrator-fixture.js';

/** A test file's simulator, and each test's orchestrator on it with the real MCP client connected to its server. */
export interface SimulatorMcp {
  readonly sim: RunningSimulator;
  readonly orchestrator: Orchestrator;
  readonly client: Client;
  /** A new orchestrator on the simulator and the SDK's client connected to its MCP server (in-memory transport). */
  connect(): Promise<Client>;
  /** Makes the simulator hold every reply to `marker` until release() is called. */
  holdReplies(marker: string): void;
  /** Lets the held replies go. */
  release(): void;
}

/**
 * Registers the hooks of a suite that calls tools through the real MCP client on the simulator: one simulator for
 * the file; after each test, held replies released, the script cleared, the client and orchestrator closed.
 */
export function simulatorMcp(clientName: string): SimulatorMcp {
  let sim: RunningSimulator | undefined;
  let orchestrator: Orchestrator | undefined;
  let client: Client | undefined;
  let release: () => void = () => undefined;
  const started = <T,>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`No ${what} yet: call connect() first`);
    return value;
  };
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim?.close();
  });
  afterEach(async () => {
    release();
    sim?.setScript([]);
    await client?.close();
    await orchestrator?.close();
    client = undefined;
    orchestrator = undefined;
  });
  return {
    get sim() {
      return started(sim, 'simulator');
    },
    get orchestrator() {
      return started(orchestrator, 'orchestrator');
    },
    get client() {
      return started(client, 'client');
    },
    async connect() {
      orchestrator = simulatorOrchestrator(started(sim, 'simulator').url);
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await createMcpServer(orchestrator).connect(serverSide);
      client = new Client({ name: clientName, version: '1.0.0' });
      await client.connect(clientSide);
      return client;
    },
    holdReplies(marker) {
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      release = open;
      started(sim, 'simulator').setScript([{ match: { lastUser: marker }, reply: async () => (await gate, `done: ${marker}`) }]);
    },
    release: () => release(),
  };
}
