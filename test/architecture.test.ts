/**
 * DESIGN.md's first rule, held by a test: engines are pure. An engine file may not import
 * the database, HTTP, the file system, the network or a service, and may not read the
 * clock or a random source of its own (both are passed in). Services and routes may.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Engine files: every .ts under these folders except the I/O layers named below. */
const ENGINE_DIRS = ['src/risk', 'src/intake', 'src/plans', 'src/lesion'];
const ENGINE_FILES = [
  'src/platform/consent/consent.ts',
  'src/platform/seed/synthetic.ts',
  'src/platform/seed/prng.ts',
  'src/platform/fhir/references.ts',
  'src/platform/fhir/compartment.ts',
  'src/platform/fhir/search-params.ts',
  'src/platform/fhir/dates.ts',
];
/** Not engines: they do I/O by design. */
const IO_LAYER = /(\.service\.ts|routes\.ts|\.test\.ts|\.int\.test\.ts|\/batch\/score-stream\.ts|\/lesion\/runner\.ts|\/lesion\/content-gate\.ts)$/;

const FORBIDDEN_IMPORTS: [RegExp, string][] = [
  [/^(drizzle-orm|pg|@electric-sql\/pglite)(\/|$)/, 'a database driver'],
  [/^(fastify|@fastify\/)/, 'the HTTP framework'],
  [/^node:(fs|net|http|https|child_process|dgram|dns)$/, 'file system or network I/O'],
  [/\/db\//, 'the database layer'],
  [/\/http\//, 'the HTTP layer'],
  [/\.service\.ts$/, 'a service'],
  [/routes\.ts$/, 'routes'],
];
const FORBIDDEN_CALLS: [RegExp, string][] = [
  [/\bMath\.random\s*\(/, 'Math.random (pass a seeded random source in)'],
  [/\bDate\.now\s*\(/, 'Date.now (pass the time in)'],
  [/\bnew Date\(\s*\)/, 'new Date() without a value (pass the time in)'],
];

function walk(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    return e.isDirectory() ? walk(rel) : rel.endsWith('.ts') ? [rel] : [];
  });
}

const engines = [...ENGINE_DIRS.flatMap(walk), ...ENGINE_FILES.filter((f) => fs.existsSync(path.join(ROOT, f)))].filter((f) => !IO_LAYER.test(f));

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

describe('engines are pure', () => {
  it('finds the engine files', () => {
    expect(engines.length).toBeGreaterThan(10);
  });

  it.each(engines)('%s imports no I/O and reads no clock or random source', (file) => {
    const source = stripComments(fs.readFileSync(path.join(ROOT, file), 'utf8'));
    const imports = [...source.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2] ?? '');
    const problems: string[] = [];
    for (const spec of imports) {
      for (const [pattern, what] of FORBIDDEN_IMPORTS) if (pattern.test(spec)) problems.push(`imports ${spec} (${what})`);
    }
    for (const [pattern, what] of FORBIDDEN_CALLS) if (pattern.test(source)) problems.push(`calls ${what}`);
    expect(problems).toEqual([]);
  });
});
