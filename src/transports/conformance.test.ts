import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv } from '../security/child-env.js';
import { ensureNode22 } from '../test-support/node22.js';
import { startStack, type Stack } from '../test-support/stack.js';

// The official MCP conformance suite (@modelcontextprotocol/conformance), every server scenario of its "all"
// suite, against the real server's /mcp on loopback with default settings (the suite can't send a token).
// It needs Node 22: see ensureNode22.
//
// Every scenario is listed here with what it must do. "pass" means every check succeeds. The others test
// features the orchestrator does not offer, and the test checks they fail for exactly that reason, so a
// transport or protocol fault in them can't hide behind the label:
// - fixture tools (test_simple_text, test_elicitation, ...) exist only in the suite's reference "everything"
//   server; our tools are the orchestrator's, and the suite has no way to be pointed at other tool names;
// - fixture resources (test://static-text, test://watched-resource, ...) likewise: our resources are the
//   instances' conversations (orchestrator://instances/{id}/conversation), so reading or subscribing to a
//   fixture URI is a resource-not-found error, while listing resources passes;
// - prompts, completions and logging are optional MCP capabilities the orchestrator does not declare, and
//   the spec requires an undeclared method to be answered "Method not found" (-32601).
type Expectation = { readonly kind: 'pass' } | { readonly kind: 'not-applicable'; readonly because: RegExp };

const PASS: Expectation = { kind: 'pass' };
const noFixtureTool = (tool: string): Expectation => ({ kind: 'not-applicable', because: new RegExp(`Tool ${tool} not found`) });
const undeclared: Expectation = { kind: 'not-applicable', because: /Method not found/ };
const noFixtureResource: Expectation = { kind: 'not-applicable', because: /No resource test:\/\// };

const SCENARIOS: Record<string, Expectation> = {
  'server-initialize': PASS,
  ping: PASS,
  'tools-list': PASS,
  'dns-rebinding-protection': PASS,
  'server-sse-multiple-streams': PASS,
  'logging-set-level': undeclared,
  'completion-complete': undeclared,
  'tools-call-simple-text': noFixtureTool('test_simple_text'),
  'tools-call-image': noFixtureTool('test_image_content'),
  'tools-call-audio': noFixtureTool('test_audio_content'),
  'tools-call-embedded-resource': noFixtureTool('test_embedded_resource'),
  'tools-call-mixed-content': noFixtureTool('test_multiple_content_types'),
  // It sets the log level first, which is where it stops.
  'tools-call-with-logging': undeclared,
  'tools-call-error': noFixtureTool('test_error_handling'),
  'tools-call-with-progress': noFixtureTool('test_tool_with_progress'),
  'tools-call-sampling': noFixtureTool('test_sampling'),
  'tools-call-elicitation': noFixtureTool('test_elicitation'),
  'elicitation-sep1034-defaults': noFixtureTool('test_elicitation_sep1034_defaults'),
  'elicitation-sep1330-enums': noFixtureTool('test_elicitation_sep1330_enums'),
  'json-schema-2020-12': { kind: 'not-applicable', because: /Tool 'json_schema_2020_12_tool' not found/ },
  // Needs the fixture tool test_reconnection (it closes the stream mid-call), and its request pins protocol
  // 2025-03-26, for which the SDK rightly never sends SEP-1699's empty-data priming event (clients of that
  // revision choke on it), so there is no event id and no retry field either; what remains are those two
  // SHOULD warnings. We keep no SSE event store: a long call that loses its stream is followed with get_task.
  'server-sse-polling': { kind: 'not-applicable', because: /recommended for (resumability|controlling client reconnection timing)/ },
  'resources-list': PASS,
  'resources-read-text': noFixtureResource,
  'resources-read-binary': noFixtureResource,
  'resources-templates-read': noFixtureResource,
  'resources-subscribe': noFixtureResource,
  'resources-unsubscribe': noFixtureResource,
  'prompts-list': undeclared,
  'prompts-get-simple': undeclared,
  'prompts-get-with-args': undeclared,
  'prompts-get-embedded-resource': undeclared,
  'prompts-get-with-image': undeclared,
};

interface Check {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  readonly errorMessage?: string;
}

const require = createRequire(import.meta.url);
const SUITE_CLI = join(dirname(require.resolve('@modelcontextprotocol/conformance/package.json')), 'dist', 'index.js');

let stack: Stack;
let results: Map<string, Check[]>;
let output: string;

beforeAll(async () => {
  const node22 = await ensureNode22();
  stack = await startStack();
  const out = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
  // The baseline makes the suite itself fail on any unexpected failure and on any "expected" failure that
  // started to pass (a stale entry), on top of the per-scenario checks below.
  const baseline = join(out, 'baseline.yml');
  const expectedFailures = Object.entries(SCENARIOS).filter(([, e]) => e.kind !== 'pass');
  writeFileSync(baseline, `server:\n${expectedFailures.map(([name]) => `  - ${name}\n`).join('')}`);
  const { stdout } = await promisify(execFile)(
    node22,
    [SUITE_CLI, 'server', '--url', `${stack.url}/mcp`, '--suite', 'all', '--expected-failures', baseline, '--output-dir', join(out, 'results')],
    { cwd: out, env: childEnv(process.env), timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`The conformance suite failed:\n${error.stdout ?? ''}\n${error.stderr ?? error.message}`);
  });
  output = stdout;
  results = new Map();
  for (const dir of readdirSync(join(out, 'results'))) {
    const name = /^server-(.+)-\d{4}-\d\d-\d\dT[\d-]+Z$/.exec(dir)?.[1];
    if (name) results.set(name, JSON.parse(readFileSync(join(out, 'results', dir, 'checks.json'), 'utf8')) as Check[]);
  }
}, 300_000);

afterAll(async () => {
  await stack?.close();
});

describe('MCP conformance suite (server scenarios)', () => {
  it('runs every scenario this table knows, and the table knows every scenario the suite has', () => {
    expect([...results.keys()].sort()).toEqual(Object.keys(SCENARIOS).sort());
    expect(output).toMatch(/SUMMARY/);
  });

  it.each(Object.entries(SCENARIOS))('%s', (name, expectation) => {
    const checks = results.get(name) ?? [];
    expect(checks.length, `${name} produced no checks`).toBeGreaterThan(0);
    const failures = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
    if (expectation.kind === 'pass') {
      expect(failures, JSON.stringify(failures, null, 2)).toEqual([]);
      expect(checks.some((c) => c.status === 'SUCCESS')).toBe(true);
    } else {
      expect(failures.length, `${name} was expected to fail (not applicable)`).toBeGreaterThan(0);
      for (const failure of failures) expect(failure.errorMessage ?? '', `${name}/${failure.id}`).toMatch(expectation.because);
    }
  });
});
