import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planGenerate } from './plans.ts';

const FIX = path.resolve(import.meta.dirname, '../../test/fixtures/plans');
const f = (name: string) => path.join(FIX, name);
const ASOF = '2025-06-01';

describe('wellage plan generate <profile.json>', () => {
  it('prints a text plan in English by default', () => {
    const r = planGenerate(f('profile-typical.json'), { asOf: ASOF });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Treatment and skincare plan - Patient/synthetic-elena');
    expect(r.stdout).toContain('Goal 1: Dynamic lines (expression) (Glabella (frown lines))');
    expect(r.stdout).toContain('Botulinum toxin type A: frown lines');
    expect(r.stderr).toBe('');
  });

  it('prints Spanish with --lang es', () => {
    const r = planGenerate(f('profile-typical.json'), { asOf: ASOF, lang: 'es' });
    expect(r.stdout).toContain('Plan de tratamiento y cuidado de la piel');
    expect(r.stdout).toContain('Toxina botulínica tipo A: entrecejo');
    expect(r.stdout).not.toContain('Treatment and skincare plan');
  });

  it('prints the whole plan as JSON with --format json', () => {
    const r = planGenerate(f('profile-typical.json'), { asOf: ASOF, format: 'json' });
    const plan = JSON.parse(r.stdout) as { kind: string; kbVersion: string; goals: unknown[] };
    expect(plan.kind).toBe('wellage-plan');
    expect(plan.goals).toHaveLength(3);
  });

  it('replaces the goals with --goals, in rank order, with optional @area', () => {
    const r = planGenerate(f('profile-typical.json'), { asOf: ASOF, format: 'json', goals: 'hair-loss, under-eye@tear-trough' });
    const plan = JSON.parse(r.stdout) as { goals: { concern: string; area: string; rank: number }[] };
    expect(plan.goals.map((g) => [g.rank, g.concern, g.area])).toEqual([[1, 'hair-loss', 'scalp'], [2, 'under-eye', 'tear-trough']]);
  });

  it('uses a genotype file for the genetics panel without printing the file', () => {
    const r = planGenerate(f('profile-pregnant.json'), { asOf: ASOF, format: 'json', genotype: f('genotype-grch38.vcf') });
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.stdout) as { genetics: { used: boolean; influences: { area: string }[] } };
    expect(plan.genetics.used).toBe(true);
    expect(plan.genetics.influences.map((i) => i.area)).toContain('barrier-care');
    expect(r.stdout).not.toContain('89986117');
  });

  it.each([
    ['a contradictory profile', f('profile-contradictory.json'), {}, /pregnant: pregnancy at age 80 is not plausible/],
    ['an unknown concern', f('profile-unknown-concern.json'), {}, /goals\[1\]\.concern: 'eternal-youth' is not a known concern/],
    ['an unknown --goals concern', f('profile-typical.json'), { goals: 'wrinkles' }, /goals\[0\]\.concern/],
    ['a file that is not a genotype file', f('profile-typical.json'), { genotype: f('not-genotype.csv') }, /genotype: the file is not a 23andMe, AncestryDNA or VCF genotype file/],
    ['a missing profile', f('no-such-profile.json'), {}, /profile: cannot read .*ENOENT/],
    ['a profile that is not JSON', f('genotype-23andme.txt'), {}, /is not valid JSON/],
    ['a bad --lang', f('profile-typical.json'), { lang: 'fr' }, /--lang: 'fr' is not en or es/],
    ['a bad --format', f('profile-typical.json'), { format: 'pdf' }, /--format: 'pdf' is not text or json/],
  ])('exits 1 on %s, naming the field', (_n, file, opts, message) => {
    const r = planGenerate(file, { asOf: ASOF, ...opts });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('refuses a profile that is a JSON array', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-plan-'));
    const file = path.join(dir, 'array.json');
    fs.writeFileSync(file, '[]');
    const r = planGenerate(file, { asOf: ASOF });
    fs.rmSync(dir, { recursive: true });
    expect(r).toMatchObject({ exitCode: 1, stderr: expect.stringMatching(/must be a JSON object/) });
  });
});
