// `npm test`: the whole suite. Runs every step even after one fails, so a single run
// lists every problem, then prints one closing line with the totals.
//   1. typecheck (tsc --noEmit)   2. unit + integration tests (vitest; PGlite and the
//   PostgreSQL server)   3. the training scripts' Python tests (Debian's python3-torch)
//   4. the web build   5. browser tests (Chromium via playwright-core)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-test-'));
const steps = [];
let passed = 0;
let failed = 0;
let skipped = 0;

function run(name, cmd, args, env = {}) {
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = r.status === 0;
  steps.push({ name, ok, seconds: ((Date.now() - started) / 1000).toFixed(1) });
  return ok;
}

function vitest(name, config, reportFile) {
  const ok = run(name, bin('vitest'), ['run', '--config', config, '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`]);
  try {
    const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + (report.numTodoTests ?? 0);
    if (!ok && report.numFailedTests === 0) failed += 1; // a suite that failed to load
  } catch {
    if (!ok) failed += 1;
  }
  return ok;
}

if (!run('typecheck', bin('tsc'), ['--noEmit', '-p', '.'])) failed += 1;
if (fs.existsSync(path.join(root, 'web', 'tsconfig.json')) && !run('typecheck web', bin('tsc'), ['--noEmit', '-p', 'web'])) failed += 1;
vitest('unit and integration tests', 'vitest.config.ts', path.join(tmp, 'unit.json'));
// The lesion training scripts' own tests need Debian's PyTorch; a newcomer's machine may
// lack it (nothing in the product needs Python), CI installs it (.ci/run).
const python = process.env.PYTHON ?? '/usr/bin/python3';
const hasTorch = spawnSync(python, ['-c', 'import torch, torchvision, PIL, sklearn'], { stdio: 'ignore' }).status === 0;
if (!hasTorch && process.env.CI !== 'true') {
  console.log(`\n=== training tests (Python) ===\nskipped: ${python} cannot import torch, torchvision, PIL and sklearn (Debian: apt-get install -y python3-torch python3-torchvision python3-pil python3-sklearn python3-onnx)`);
  skipped += 1;
} else {
  console.log('\n=== training tests (Python) ===');
  const started = Date.now();
  const r = spawnSync(python, ['-m', 'unittest', 'discover', '-s', 'training', '-p', 'test_*.py', '-v'], { cwd: root, encoding: 'utf8' });
  process.stdout.write(r.stdout ?? '');
  process.stdout.write(r.stderr ?? '');
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const ran = Number(/^Ran (\d+) tests?/m.exec(out)?.[1] ?? 0);
  const bad = [...out.matchAll(/(failures|errors)=(\d+)/g)].reduce((n, m) => n + Number(m[2]), 0);
  const skippedPy = Number(/skipped=(\d+)/.exec(out)?.[1] ?? 0);
  const ok = r.status === 0 && ran > 0;
  passed += ran - bad - skippedPy;
  failed += ok ? 0 : Math.max(bad, 1);
  skipped += skippedPy;
  steps.push({ name: 'training tests (Python)', ok, seconds: ((Date.now() - started) / 1000).toFixed(1) });
}
const chromium = process.env.WELLAGE_CHROMIUM ?? '/usr/bin/chromium';
if (!fs.existsSync(chromium) && process.env.CI !== 'true') {
  // A newcomer's machine may lack Chromium; CI never does (.ci/run installs it).
  console.log(`\n=== browser tests ===\nskipped: ${chromium} not found (Debian: apt-get install -y chromium)`);
  skipped += 1;
} else if (fs.existsSync(path.join(root, 'vitest.e2e.config.ts'))) {
  if (run('web build', process.execPath, ['scripts/ensure-web-build.mjs'])) {
    vitest('browser tests', 'vitest.e2e.config.ts', path.join(tmp, 'e2e.json'));
  } else {
    failed += 1;
  }
}

console.log('\n=== summary ===');
for (const s of steps) console.log(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.seconds} s)`);
console.log(`\nwellage: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || steps.some((s) => !s.ok) ? 1 : 0);
