#!/usr/bin/env node
import { OrchestratorError } from './domain/errors.js';
import { VERSION } from './version.js';

async function main(argv: readonly string[]): Promise<void> {
  // The version needs nothing else loaded.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const args = (await import('./cli/parse-args.js')).parseArgs(argv);
  // Each command loads only what it runs: --help loads neither the server nor the SDK.
  switch (args.command) {
    case 'help': {
      const help = await import('./cli/help.js');
      const topics = await import('./cli/help-topics.js');
      // `--help`: the one-screen summary; `help`: the topics; `help <topic>` (or `<command> --help`): the details.
      const text = args.topic !== undefined ? help.topicText(args.topic) : argv[0] === 'help' ? topics.topicList() : help.helpText();
      process.stdout.write(`${text}\n`);
      return;
    }
    case 'status':
      await (await import('./cli/status.js')).runStatus(args.client, process.env, (text) => process.stdout.write(text));
      return;
    case 'logs': {
      const interrupt = new AbortController();
      process.once('SIGINT', () => interrupt.abort());
      await (await import('./cli/logs.js')).runLogs(args.client, process.env, { write: (text) => process.stdout.write(text), signal: interrupt.signal });
      return;
    }
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return;
    case 'simulator':
      await (await import('./cli/simulator.js')).runSimulator(args.simulator);
      return;
    case 'demo':
      await (await import('./demo/run-demo.js')).runDemo(args.demo.out !== undefined ? { outDir: args.demo.out } : {});
      return;
    case 'serve':
      await (await import('./cli/serve.js')).runServe(args);
      return;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // Startup errors go to stderr as one clear line (stdout may be an MCP client's JSON-RPC pipe).
  const message = error instanceof OrchestratorError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`claude-orchestrator: ${message}\n`);
  process.exit(error instanceof OrchestratorError && error.code === 'invalid_input' ? 2 : 1);
});
