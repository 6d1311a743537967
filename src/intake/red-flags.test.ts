/** Each red flag: raised by its answers, with reason, action, basis and source linkIds; not raised otherwise. */
import { describe, expect, it } from 'vitest';
import { buildResponse, type Draft } from './build-response.ts';
import { findRedFlags, RED_FLAG_RULES, type RedFlagCode } from './red-flags.ts';
import { answeredLinkIds, viewResponse } from './response-view.ts';
import { scoreIntake } from './scores.ts';
import { SHIPPED_INDEX } from './shipped-index.ts';
import { COMPLETE_WITH_FLAGS, FIXTURE_AS_OF, MINIMAL_HEALTHY } from '../../test/fixtures/intake/drafts.ts';

function flagsOf(draft: Draft, asOf = FIXTURE_AS_OF) {
  const view = viewResponse(buildResponse(draft, SHIPPED_INDEX), SHIPPED_INDEX);
  return { flags: findRedFlags(view, SHIPPED_INDEX, scoreIntake(view, SHIPPED_INDEX), { asOf }), answered: answeredLinkIds(view) };
}
const codes = (draft: Draft, asOf?: string): RedFlagCode[] => flagsOf(draft, asOf).flags.map((f) => f.code);

describe('red flags', () => {
  it('every rule has both languages, an action and a cited basis', () => {
    for (const rule of Object.values(RED_FLAG_RULES)) {
      expect(rule.title.en && rule.title.es && rule.action.en && rule.action.es).toBeTruthy();
      expect(rule.basis).toMatch(/\d{4}|policy/);
    }
  });

  it('a healthy intake raises none', () => {
    expect(codes(MINIMAL_HEALTHY)).toEqual([]);
  });

  it('the complete fixture raises its flags, urgent first, each sourced from answered items', () => {
    const { flags, answered } = flagsOf(COMPLETE_WITH_FLAGS);
    expect(flags.map((f) => f.code)).toEqual([
      'CHANGING_MOLE',
      'EXERTIONAL_CHEST_PAIN',
      'IMMUNOSUPPRESSION',
      'RECENT_CHEMO_RADIOTHERAPY',
      'BREASTFEEDING',
      'RECENT_ISOTRETINOIN',
      'ACTIVE_COLD_SORE',
      'PRODUCT_ALLERGY',
      'DYSMORPHIC_SCREEN_POSITIVE',
      'MELANOMA_FAMILY',
      'ANTITHROMBOTIC',
      'KELOID_HISTORY',
      'AUTOIMMUNE_DISEASE',
    ]);
    for (const f of flags) {
      expect(f.linkIds.length, f.code).toBeGreaterThan(0);
      for (const l of f.linkIds) expect(answered.has(l), `${f.code} ${l}`).toBe(true);
    }
    expect(flags[0]?.reason.en).toContain('it changed size and it bleeds');
    expect(flags[0]?.reason.es).toContain('ha cambiado de tamaño y sangra');
  });

  it.each<[RedFlagCode, Draft]>([
    ['MELANOMA_PERSONAL', { 'skin.cancer': true, 'skin.cancer-type': ['372244006'] }],
    ['MELANOMA_PERSONAL', { 'onc.any': true, 'onc.episodes': [{ 'onc.episodes.diagnosis': '372244006' }] }],
    ['EXERTIONAL_BREATHLESSNESS', { 'cv.breathless': true, 'cv.breathless-exertion': true }],
    ['PREGNANCY', { 'about.sex': 'female', 'women.pregnant': 'unsure' }],
    ['IMMUNOSUPPRESSION', { 'pmh.conditions': ['organ-transplant'] }],
    ['IMMUNOSUPPRESSION', { 'med.any': true, 'med.list': [{ 'med.list.name': '6851' }] }],
    ['ANTITHROMBOTIC', { 'med.any': true, 'med.list': [{ 'med.list.name': '32968' }] }],
    ['RECENT_ISOTRETINOIN', { 'skin.isotretinoin': true, 'skin.isotretinoin-ongoing': true }],
    ['PRODUCT_ALLERGY', { 'allergy.any': true, 'allergy.list': [{ 'allergy.list.substance': 'substance-hyaluronidase' }] }],
    ['PRODUCT_ALLERGY', { 'allergy.any': true, 'allergy.list': [{ 'allergy.list.substance': '102263004' }] }],
    ['RECENT_CHEMO_RADIOTHERAPY', { 'onc.any': true, 'onc.episodes': [{ 'onc.episodes.diagnosis': '118600007', 'onc.episodes.treatment': [{ 'onc.episodes.treatment.type': '108290001', 'onc.episodes.treatment.ongoing': true }] }] }],
  ])('%s from %j', (code, draft) => {
    expect(codes(draft)).toContain(code);
  });

  it('does not flag what does not meet the rule', () => {
    expect(codes({ 'cv.chest-pain': true, 'cv.chest-pain-exertion': false })).not.toContain('EXERTIONAL_CHEST_PAIN');
    expect(codes({ 'skin.cold-sores': 'cold-sores-frequent' })).not.toContain('ACTIVE_COLD_SORE');
    expect(codes({ 'allergy.any': true, 'allergy.list': [{ 'allergy.list.substance': '764146007' }] })).not.toContain('PRODUCT_ALLERGY');
    expect(codes({ 'skin.cancer': true, 'skin.cancer-type': ['254701007'] })).not.toContain('MELANOMA_PERSONAL');
    // Chemotherapy that ended 13 months ago is outside the 12-month window; 11 months is inside.
    const chemo = (end: string): Draft => ({ 'onc.any': true, 'onc.episodes': [{ 'onc.episodes.treatment': [{ 'onc.episodes.treatment.type': '367336001', 'onc.episodes.treatment.ongoing': false, 'onc.episodes.treatment.end': end }] }] });
    expect(codes(chemo('2025-10-27'))).not.toContain('RECENT_CHEMO_RADIOTHERAPY');
    expect(codes(chemo('2025-12-28'))).toContain('RECENT_CHEMO_RADIOTHERAPY');
    // A month-precision date counts from its last day.
    expect(codes(chemo('2025-11'))).toContain('RECENT_CHEMO_RADIOTHERAPY');
  });

  it('gives the end of the isotretinoin interval', () => {
    const { flags } = flagsOf({ 'skin.isotretinoin': true, 'skin.isotretinoin-ongoing': false, 'skin.isotretinoin-stop': '2026-08-31' });
    expect(flags[0]?.reason.en).toContain('ends about 2027-02-28');
  });
});
