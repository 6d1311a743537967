/**
 * The named fixtures (test/fixtures/intake/*.json) are generated from drafts.ts; this keeps
 * them in step and checks that each is what its name says. The synthetic generator is
 * deterministic and its responses are valid.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildResponse } from './build-response.ts';
import { processIntake } from './index.ts';
import { SHIPPED_INDEX } from './shipped-index.ts';
import { syntheticResponse } from './synthetic.ts';
import { COMPLETE_WITH_FLAGS, FIXTURE_AS_OF, MINIMAL_HEALTHY, PARTIAL } from '../../test/fixtures/intake/drafts.ts';

const DIR = path.resolve(import.meta.dirname, '../../test/fixtures/intake');
const FIXTURES = {
  'complete-with-flags.json': buildResponse(COMPLETE_WITH_FLAGS, SHIPPED_INDEX, { id: 'intake-lucia', subject: 'Patient/lucia', authored: `${FIXTURE_AS_OF}T09:30:00Z` }),
  'minimal-healthy.json': buildResponse(MINIMAL_HEALTHY, SHIPPED_INDEX, { id: 'intake-tomas', subject: 'Patient/tomas', authored: `${FIXTURE_AS_OF}T10:00:00Z` }),
  'partial.json': buildResponse(PARTIAL, SHIPPED_INDEX, { id: 'intake-carmen', subject: 'Patient/carmen', status: 'in-progress', authored: `${FIXTURE_AS_OF}T11:15:00Z` }),
};

describe('intake fixtures', () => {
  it.each(Object.entries(FIXTURES))('%s matches its draft (regenerate with WELLAGE_WRITE_CONTENT=1)', (name, response) => {
    const file = path.join(DIR, name);
    const text = `${JSON.stringify(response, null, 2)}\n`;
    if (process.env.WELLAGE_WRITE_CONTENT === '1') fs.writeFileSync(file, text);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('the complete fixture is complete and raises many flags', () => {
    const o = processIntake(FIXTURES['complete-with-flags.json'], { asOf: FIXTURE_AS_OF, lang: 'en' });
    expect(o.ok && o.validation.complete).toBe(true);
    expect(o.ok && o.flags.length).toBeGreaterThanOrEqual(12);
  });

  it('the healthy fixture is complete and raises no flag', () => {
    const o = processIntake(FIXTURES['minimal-healthy.json'], { asOf: FIXTURE_AS_OF, lang: 'en' });
    expect(o.ok && o.validation.complete).toBe(true);
    expect(o.ok && o.flags).toEqual([]);
  });

  it('the partial fixture is valid but incomplete', () => {
    const o = processIntake(FIXTURES['partial.json'], { asOf: FIXTURE_AS_OF, lang: 'en' });
    expect(o.ok).toBe(true);
    expect(o.validation.complete).toBe(false);
    expect(o.validation.missing.map((m) => m.linkId)).toContain('social.smoking-years');
  });
});

describe('synthetic responses', () => {
  it('are deterministic for a seed and differ between seeds', () => {
    expect(syntheticResponse(42, { asOf: FIXTURE_AS_OF })).toEqual(syntheticResponse(42, { asOf: FIXTURE_AS_OF }));
    expect(syntheticResponse(42, { asOf: FIXTURE_AS_OF })).not.toEqual(syntheticResponse(43, { asOf: FIXTURE_AS_OF }));
  });

  it('are valid, varied, and include partial ones', () => {
    let partial = 0;
    const flags = new Set<string>();
    for (let seed = 0; seed < 600; seed++) {
      const o = processIntake(syntheticResponse(seed, { asOf: FIXTURE_AS_OF }), { asOf: FIXTURE_AS_OF, lang: seed % 2 ? 'es' : 'en' });
      if (!o.ok) throw new Error(`seed ${seed}: ${o.validation.errors.map((e) => `${e.linkId} ${e.message.en}`).join('; ')}`);
      if (!o.validation.complete) partial++;
      for (const f of o.flags) flags.add(f.code);
    }
    expect(partial).toBeGreaterThan(30);
    expect(partial).toBeLessThan(200);
    expect(flags.size).toBe(16);
  });
});
