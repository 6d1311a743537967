import { describe, expect, it } from 'vitest';
import { shippedKnowledgeBase } from './kb/shipped.ts';
import type { Intervention } from './kb/schema.ts';
import { buildRegimen, type Regimen } from './regimen.ts';

const kb = shippedKnowledgeBase();
const iv = (id: string): Intervention => {
  const x = kb.interventionById.get(id);
  if (!x) throw new Error(`no ${id}`);
  return x;
};
const ids = (r: Regimen, slot: 'am' | 'pm') => r[slot].map((s) => s.interventionId);
const check = (r: Regimen, id: string) => r.checks.find((c) => c.interactionId === id);

describe('the AM/PM regimen', () => {
  it('starts from cleanser, moisturiser and a morning sunscreen', () => {
    const r = buildRegimen(kb, [], { slowStart: false });
    expect(ids(r, 'am')).toEqual(['gentle-cleanser', 'barrier-emollient', 'broad-spectrum-sunscreen']);
    expect(ids(r, 'pm')).toEqual(['gentle-cleanser', 'barrier-emollient']);
    expect(r.checks).toEqual([]);
  });

  it('keeps a retinoid and benzoyl peroxide apart (peroxide morning, retinoid night) and cites why', () => {
    const r = buildRegimen(kb, [iv('tretinoin'), iv('benzoyl-peroxide')], { slowStart: false });
    expect(ids(r, 'am')).toContain('benzoyl-peroxide');
    expect(ids(r, 'pm')).toContain('tretinoin');
    expect(ids(r, 'pm')).not.toContain('benzoyl-peroxide');
    const c = check(r, 'retinoid-benzoyl-peroxide');
    expect(c).toMatchObject({ effect: 'separate', resolution: 'already-separate', products: ['tretinoin', 'benzoyl-peroxide'] });
    expect(c?.citations.length).toBeGreaterThan(0);
  });

  it('puts a retinoid and an AHA on alternate nights, the lower-priority one alternating', () => {
    const r = buildRegimen(kb, [iv('retinol-cosmetic'), iv('glycolic-acid-topical')], { slowStart: false });
    expect(check(r, 'retinoid-aha')?.resolution).toBe('alternate-nights');
    const aha = r.pm.find((s) => s.interventionId === 'glycolic-acid-topical');
    expect(aha?.frequency).toBe('alternate-nights');
    expect(aha?.notes[0]?.en).toContain('Retinol');
    expect(r.pm.find((s) => s.interventionId === 'retinol-cosmetic')?.frequency).toBe('daily');
  });

  it('says vitamin C with niacinamide is not an interaction (a myth), with a source', () => {
    const r = buildRegimen(kb, [iv('vitamin-c-serum'), iv('niacinamide-serum')], { slowStart: false });
    const c = check(r, 'vitamin-c-niacinamide');
    expect(c).toMatchObject({ effect: 'none', resolution: 'no-interaction' });
    expect(c?.note.en).toMatch(/not an interaction/i);
    expect(c?.note.es).toMatch(/no es una interacción/i);
    expect(c?.citations[0]?.pmid ?? c?.citations[0]?.doi).toBeTruthy();
    expect(ids(r, 'am')).toEqual(expect.arrayContaining(['vitamin-c-serum', 'niacinamide-serum']));
  });

  it('keeps one retinoid at a time', () => {
    const r = buildRegimen(kb, [iv('tretinoin'), iv('adapalene'), iv('retinol-cosmetic')], { slowStart: false });
    expect([...ids(r, 'am'), ...ids(r, 'pm')].filter((id) => ['tretinoin', 'adapalene', 'retinol-cosmetic'].includes(id))).toEqual(['tretinoin']);
  });

  it('starts irritants every third night when the barrier is weak, and says why', () => {
    const reason = { en: 'weak barrier', es: 'barrera débil' };
    const r = buildRegimen(kb, [iv('adapalene'), iv('azelaic-acid')], { slowStart: true, slowStartReason: reason });
    expect(r.pm.find((s) => s.interventionId === 'adapalene')).toMatchObject({ frequency: 'start-every-third-night', notes: [reason] });
    // Azelaic acid is not an irritant in the knowledge base: unchanged.
    expect([...r.am, ...r.pm].find((s) => s.interventionId === 'azelaic-acid')?.frequency).toBe('daily');
  });

  it('applies twice-daily products morning and evening', () => {
    const r = buildRegimen(kb, [iv('topical-minoxidil')], { slowStart: false });
    expect(ids(r, 'am')).toContain('topical-minoxidil');
    expect(ids(r, 'pm')).toContain('topical-minoxidil');
  });
});
