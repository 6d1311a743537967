/**
 * Intake engines benchmark: N varied synthetic QuestionnaireResponses (default 10,000;
 * seeded, so every run uses the same ones) through validation, scoring, red flags, note
 * generation (English and Spanish alternately, with the Composition) and extraction (with
 * the transaction Bundle), beside a plain JSON.parse of the same responses. The ratio is the
 * figure; absolute numbers depend on the machine.
 *
 *   npx tsx bench/intake.bench.ts [--responses 10000]
 */
import { processIntake } from '../src/intake/index.ts';
import { syntheticResponse } from '../src/intake/synthetic.ts';

const args = process.argv.slice(2);
const at = args.indexOf('--responses');
const N = at >= 0 ? Number(args[at + 1]) : 10_000;
const AS_OF = '2026-11-28';

const texts: string[] = [];
for (let i = 0; i < N; i++) texts.push(JSON.stringify(syntheticResponse(i, { asOf: AS_OF })));
const bytes = texts.reduce((n, t) => n + t.length, 0);

function time(label: string, fn: () => number): number {
  const start = process.hrtime.bigint();
  const checksum = fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = N / seconds;
  console.log(`${label.padEnd(44)} ${rate.toFixed(0).padStart(9)} responses/s  (${seconds.toFixed(2)} s, check ${checksum})`);
  return rate;
}

// Warm-up so the JIT has seen every path once.
for (let i = 0; i < Math.min(500, N); i++) processIntake(JSON.parse(texts[i]!), { asOf: AS_OF, lang: 'en' });

console.log(`${N} synthetic intake responses, ${(bytes / N / 1024).toFixed(1)} KiB each on average; Node ${process.version}`);
const parse = time('JSON.parse only', () => texts.reduce((n, t) => n + ((JSON.parse(t) as { item?: unknown[] }).item?.length ?? 0), 0));
const full = time('parse + validate + scores + flags + note + extract', () => {
  let n = 0;
  texts.forEach((t, i) => {
    const o = processIntake(JSON.parse(t), { asOf: AS_OF, lang: i % 2 ? 'es' : 'en' });
    if (!o.ok) throw new Error(`response ${i} invalid`);
    n += o.note.sections.length + (o.bundle.entry?.length ?? 0);
  });
  return n;
});
console.log(`engines cost ${(parse / full).toFixed(1)}x a plain JSON.parse of the same responses`);
const mem = process.memoryUsage();
console.log(`peak-ish RSS ${(mem.rss / 2 ** 20).toFixed(0)} MiB`);
