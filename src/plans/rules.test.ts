import { describe, expect, it } from 'vitest';
import { shippedKnowledgeBase } from './kb/shipped.ts';
import { validateProfile } from './profile.ts';
import { evaluateRule, monthsBefore, type RuleContext } from './rules.ts';

const kb = shippedKnowledgeBase();
const ctx = (profile: object, sites: string[] = ['face'], asOf = '2025-06-01'): RuleContext => ({ kb, profile: validateProfile({ goals: [{ concern: 'acne' }], ...profile }, kb, asOf).profile, asOf, sites });

describe('monthsBefore', () => {
  it('steps back whole calendar months, clamping to the month end', () => {
    expect(monthsBefore('2025-06-01', 6)).toBe('2024-12-01');
    expect(monthsBefore('2025-08-31', 6)).toBe('2025-02-28');
    expect(monthsBefore('2024-03-31', 1)).toBe('2024-02-29');
    expect(monthsBefore('2025-01-15', 0)).toBe('2025-01-15');
  });
});

describe('rules', () => {
  const base = { age: 40, sex: 'female' };
  it('all holds only when every part holds, and reports every trigger', () => {
    const rule = { all: [{ fact: 'pregnant' as const }, { fact: 'age' as const, gte: 35 }] };
    expect(evaluateRule(rule, ctx({ ...base, pregnant: true }))?.map((t) => t.field)).toEqual(['pregnant', 'age']);
    expect(evaluateRule(rule, ctx(base))).toBeNull();
  });
  it('any holds when one part holds', () => {
    const rule = { any: [{ fact: 'pregnant' as const }, { fact: 'breastfeeding' as const }] };
    expect(evaluateRule(rule, ctx({ ...base, breastfeeding: true }))?.map((t) => t.field)).toEqual(['breastfeeding']);
    expect(evaluateRule(rule, ctx(base))).toBeNull();
  });
  it('not inverts', () => {
    expect(evaluateRule({ not: { fact: 'pregnant' } }, ctx(base))).toEqual([]);
    expect(evaluateRule({ not: { fact: 'pregnant' } }, ctx({ ...base, pregnant: true }))).toBeNull();
  });
  it('a medication counts while active and for N months after it ends, not before it starts', () => {
    const rule = { fact: 'medication' as const, classes: ['isotretinoin'], withinMonths: 6 };
    expect(evaluateRule(rule, ctx({ ...base, medications: [{ class: 'isotretinoin', start: '2024-01-01' }] }))).not.toBeNull();
    expect(evaluateRule(rule, ctx({ ...base, medications: [{ class: 'isotretinoin', start: '2024-01-01', end: '2024-12-01' }] }))).not.toBeNull();
    expect(evaluateRule(rule, ctx({ ...base, medications: [{ class: 'isotretinoin', start: '2024-01-01', end: '2024-11-30' }] }))).toBeNull();
  });
  it('radiotherapy "in area" matches overlapping sites, and an unrecorded site counts as anywhere', () => {
    const rule = { fact: 'oncology-treatment' as const, treatments: ['radiotherapy'], withinMonths: 12, inArea: true };
    const onBreast = { ...base, oncology: [{ treatment: 'radiotherapy', site: 'breast', start: '2025-01-01', end: '2025-03-01' }] };
    expect(evaluateRule(rule, ctx(onBreast, ['areola']))).not.toBeNull();
    expect(evaluateRule(rule, ctx(onBreast, ['face']))).toBeNull();
    const noSite = { ...base, oncology: [{ treatment: 'radiotherapy', start: '2025-01-01' }] };
    expect(evaluateRule(rule, ctx(noSite, ['face']))?.[0]?.detail).toContain('site not recorded');
  });
});
