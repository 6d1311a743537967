/**
 * Plan engine benchmark: N varied synthetic profiles (default 10,000; seeded, so every run
 * plans the same patients). Reports plans per second and the p50/p99 latency of one plan,
 * beside the cost of loading and validating the profile alone (the same profiles through
 * validateProfile), so the ratio shows what the planning itself costs.
 *
 *   npx tsx bench/plans.bench.ts [--profiles 10000]
 */
import { shippedKnowledgeBase } from '../src/plans/kb/shipped.ts';
import { generatePlan } from '../src/plans/generate.ts';
import { validateProfile } from '../src/plans/profile.ts';
import { syntheticProfiles } from '../src/plans/synthetic.ts';

const args = process.argv.slice(2);
const at = args.indexOf('--profiles');
const N = at >= 0 ? Number(args[at + 1]) : 10_000;
const ASOF = '2025-06-01';

const t0 = process.hrtime.bigint();
const kb = shippedKnowledgeBase();
const kbMs = Number(process.hrtime.bigint() - t0) / 1e6;
const profiles = syntheticProfiles(20250601, N, kb, ASOF);
// Profiles arrive as JSON text (a file, a request body): include the parse in both loops.
const texts = profiles.map((p) => JSON.stringify(p));

function run(label: string, fn: (text: string) => unknown): { perSec: number; p50: number; p99: number; total: number } {
  for (let i = 0; i < Math.min(500, texts.length); i++) fn(texts[i] as string); // warm-up
  const times = new Float64Array(texts.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < texts.length; i++) {
    const s = process.hrtime.bigint();
    fn(texts[i] as string);
    times[i] = Number(process.hrtime.bigint() - s) / 1e6;
  }
  const total = Number(process.hrtime.bigint() - start) / 1e9;
  times.sort();
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] as number;
  const r = { perSec: texts.length / total, p50: q(0.5), p99: q(0.99), total };
  console.log(`${label.padEnd(34)} ${Math.round(r.perSec).toLocaleString('en-US').padStart(9)} /s   p50 ${r.p50.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms   (${r.total.toFixed(2)} s)`);
  return r;
}

console.log(`plans bench: ${N.toLocaleString('en-US')} synthetic profiles, knowledge base ${kb.version} (${kb.interventions.length} interventions, loaded and validated in ${kbMs.toFixed(0)} ms), node ${process.version}`);
const load = run('load + validate profile only', (t) => validateProfile(JSON.parse(t), kb, ASOF));
const plan = run('load + generate plan', (t) => generatePlan(JSON.parse(t), { asOf: ASOF, kb }));
console.log(`planning costs ${(load.perSec / plan.perSec).toFixed(1)}x loading the profile alone; p99 ${plan.p99.toFixed(2)} ms per plan (target: well under 1 s)`);
