// vitest's v8 coverage, plus the code the tests run in child processes: the bin (`serve`, `stdio`,
// `simulator`, …) runs only in processes the tests spawn, which vitest's own provider never sees.
//
// How: on start, this provider sets CHILD_V8_COVERAGE_DIR; the test helpers (src/test-support/bin.ts) give
// every spawned bin NODE_V8_COVERAGE=<that dir>, so Node writes each child's V8 coverage there when it exits
// (normally or by a signal it handles; a `kill -9` writes nothing). After the run, the dist/ bundle's
// scripts in those files are merged, mapped back to src/*.ts through the bundle's source maps (esbuild
// chains tsc's maps, see scripts/build.mjs), and merged into vitest's own map before its reports and
// thresholds: one report, one threshold, over both.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from '@vitest/coverage-v8';
import { mergeProcessCovs } from '@bcoe/v8-coverage';
import libCoverage from 'istanbul-lib-coverage';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const distUrl = pathToFileURL(join(root, 'dist')).href + '/';

export default {
  ...v8,
  async getProvider() {
    const { V8CoverageProvider } = await import('@vitest/coverage-v8/dist/provider.js');
    class WithChildren extends V8CoverageProvider {
      initialize(ctx) {
        super.initialize(ctx);
        // Outside the reports directory, which vitest empties when the run starts.
        this.childDir = mkdtempSync(join(tmpdir(), 'child-v8-coverage-'));
        // Read by src/test-support/bin.ts in the test workers, which inherit the environment.
        process.env.CHILD_V8_COVERAGE_DIR = this.childDir;
      }

      async generateCoverage(context) {
        const map = await super.generateCoverage(context);
        const children = await this.childCoverage();
        for (const file of children.files()) {
          if (map.files().includes(file)) foldInto(map.fileCoverageFor(file).data, children.fileCoverageFor(file).data);
          else map.addFileCoverage(children.fileCoverageFor(file));
        }
        rmSync(this.childDir, { recursive: true, force: true });
        return map;
      }

      /** Every spawned bin's coverage of the dist/ bundle, as istanbul coverage of src/*.ts. */
      async childCoverage() {
        const map = libCoverage.createCoverageMap({});
        let files = [];
        try {
          files = readdirSync(this.childDir).filter((f) => f.endsWith('.json'));
        } catch {
          return map;
        }
        let merged = { result: [] };
        for (const file of files) {
          let data;
          try {
            data = JSON.parse(readFileSync(join(this.childDir, file), 'utf8'));
          } catch {
            continue; // a child killed while writing: nothing to use
          }
          const ours = (data.result ?? []).filter((r) => r.url.startsWith(distUrl));
          if (ours.length > 0) merged = mergeProcessCovs([merged, { result: ours }]);
        }
        for (const { url, functions } of merged.result) {
          const path = fileURLToPath(url);
          let code;
          let sourceMap;
          try {
            code = readFileSync(path, 'utf8');
            sourceMap = JSON.parse(readFileSync(`${path}.map`, 'utf8'));
          } catch {
            continue; // a build without source maps, or rebuilt since: nothing to map back to src/
          }
          sourceMap.sources = sourceMap.sources.map((s) => new URL(s, url).href);
          const converted = await this.remapCoverage(url, 0, { code, map: sourceMap }, functions);
          const mapped = libCoverage.createCoverageMap(converted);
          mapped.filter((f) => this.isIncluded(f));
          map.merge(mapped);
        }
        return map;
      }
    }
    return new WithChildren();
  },
};

const at = (loc) => `${loc.start.line}:${loc.start.column}`;

/**
 * Adds a child's hits to vitest's own coverage of a file, statement by statement and branch by branch where
 * they start at the same place. The bundle is minified, so its map of a file has a few statements and
 * branches vitest's has not (and lacks a few): those are left out rather than counted twice.
 */
function foldInto(target, child) {
  const statements = new Map(Object.entries(target.statementMap).map(([id, loc]) => [at(loc), id]));
  for (const [id, loc] of Object.entries(child.statementMap)) {
    const mine = statements.get(at(loc));
    if (mine !== undefined) target.s[mine] += child.s[id];
  }
  const functions = new Map(Object.entries(target.fnMap).map(([id, fn]) => [at(fn.loc), id]));
  for (const [id, fn] of Object.entries(child.fnMap)) {
    const mine = functions.get(at(fn.loc));
    if (mine !== undefined) target.f[mine] += child.f[id];
  }
  const branches = new Map(Object.entries(target.branchMap).map(([id, b]) => [`${b.type}@${at(b.loc)}`, id]));
  for (const [id, b] of Object.entries(child.branchMap)) {
    const mine = branches.get(`${b.type}@${at(b.loc)}`);
    if (mine === undefined || target.b[mine].length !== child.b[id].length) continue;
    target.b[mine] = target.b[mine].map((count, i) => count + child.b[id][i]);
  }
}
