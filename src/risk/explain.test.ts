/** Explanation: category with its source, contributions, optimal risk; QRISK3's disclaimer. */
import { describe, expect, it } from 'vitest';
import { MODEL_IDS, QRISK3_DISCLAIMER, scoreModel, type RiskInput, type RiskResult } from './index.ts';

/** Worse than optimal on every modifiable factor. */
const worse: RiskInput = {
  sex: 'female',
  age: 62,
  race: 'white',
  region: 'high',
  totalCholesterol: { value: 6.2, unit: 'mmol/L' },
  hdlCholesterol: { value: 1.0, unit: 'mmol/L' },
  systolicBp: { value: 152, unit: 'mmHg' },
  bpTreated: true,
  smoker: true,
  diabetes: false,
  statin: false,
  egfr: { value: 70, unit: 'mL/min/1.73m2' },
  bmi: { value: 32, unit: 'kg/m2' },
  qrisk3: { sbpStandardDeviation: { value: 12, unit: 'mmHg' }, townsend: 2, smoking: 'moderate', diabetesType: 'none', familyHistoryCvd: true },
};

function results(input: RiskInput): RiskResult[] {
  return MODEL_IDS.flatMap((m) => scoreModel(m, input).entries).filter((e): e is RiskResult => e.ok);
}

describe('explanation', () => {
  const all = results(worse);

  it('scores the profile with every model that applies (SCORE2-OP refuses a 62-year-old)', () => {
    expect(new Set(all.map((r) => r.model.id))).toEqual(new Set(MODEL_IDS.filter((m) => m !== 'score2-op')));
  });

  it('every result names model, version, outcome and horizon, and a sourced category where one exists', () => {
    for (const r of all) {
      expect(r.model.name).not.toBe('');
      expect(r.model.version).not.toBe('');
      expect(r.outcomeLabel).not.toBe('');
      expect([10, 30]).toContain(r.horizonYears);
      if (r.category) expect(r.category.source).toMatch(/20\d\d/);
    }
    expect(all.find((r) => r.model.id === 'score2')?.category?.code).toBe('very-high');
  });

  it('each factor worse than optimal lowers the risk when set to optimal', () => {
    for (const r of all) {
      const contributions = r.explanation?.contributions ?? [];
      expect(contributions.length, r.model.id).toBeGreaterThan(0);
      for (const c of contributions) {
        // PREVENT's age x non-HDL interaction makes its non-HDL slope negative at older ages for
        // some outcomes (the published equation says so), so lipids are checked for the others only.
        const lipid = c.factor === 'totalCholesterol' || c.factor === 'hdlCholesterol';
        if (r.model.id === 'prevent' && lipid) continue;
        expect(c.reductionPercentPoints, `${r.model.id} ${r.outcome} ${c.factor}`).toBeGreaterThanOrEqual(0);
      }
      const smoking = contributions.find((c) => c.factor === 'smoker');
      expect(smoking?.reductionPercentPoints ?? 0, `${r.model.id} ${r.outcome}`).toBeGreaterThan(0);
    }
  });

  it('attributed contributions add up to actual minus optimal risk', () => {
    for (const r of all) {
      const e = r.explanation;
      if (!e) throw new Error('no explanation');
      const sum = e.contributions.reduce((s, c) => s + c.attributedPercentPoints, 0);
      expect(sum).toBeCloseTo(r.riskPercent - e.optimalRiskPercent, 8);
      expect(e.optimalRiskPercent).toBeLessThan(r.riskPercent);
      expect(e.optimalProfile.source).not.toBe('');
    }
  });

  it('a patient already at the optimal profile has no contributions and risk equal to optimal risk', () => {
    const optimal: RiskInput = {
      ...worse,
      totalCholesterol: { value: 170, unit: 'mg/dL' },
      hdlCholesterol: { value: 50, unit: 'mg/dL' },
      systolicBp: { value: 110, unit: 'mmHg' },
      bpTreated: false,
      smoker: false,
    };
    const [r] = scoreModel('pce', optimal).entries;
    expect(r?.ok).toBe(true);
    if (!r?.ok || !r.explanation) return;
    expect(r.explanation.optimalRiskPercent).toBeCloseTo(r.riskPercent, 12);
    expect(r.explanation.contributions.every((c) => Math.abs(c.reductionPercentPoints) < 1e-12)).toBe(true);
  });

  it('PCE optimal risk depends only on age, sex and race', () => {
    const a = scoreModel('pce', worse).entries[0];
    const b = scoreModel('pce', { ...worse, smoker: false, systolicBp: { value: 180, unit: 'mmHg' } }).entries[0];
    expect(a?.ok && b?.ok).toBe(true);
    if (a?.ok && b?.ok) expect(a.explanation?.optimalRiskPercent).toBe(b.explanation?.optimalRiskPercent);
  });

  it('explain: false skips the explanation', () => {
    const [r] = scoreModel('pce', worse, { explain: false }).entries;
    expect(r?.ok && r.explanation).toBeUndefined();
  });
});

describe('QRISK3 disclaimer', () => {
  it('is the ClinRisk text and rides on every QRISK3 result', () => {
    expect(QRISK3_DISCLAIMER).toContain('Inaccurate implementations of risk scores can lead to wrong patients being given the wrong treatment.');
    for (const age of [30, 50, 70, 84]) {
      const [r] = scoreModel('qrisk3', { ...worse, age }).entries;
      expect(r?.ok && r.disclaimer).toBe(QRISK3_DISCLAIMER);
    }
    const [flagged] = scoreModel('qrisk3', { ...worse, age: 90 }, { allowExtrapolation: true }).entries;
    expect(flagged?.ok && flagged.disclaimer).toBe(QRISK3_DISCLAIMER);
  });

  it('is on no other model', () => {
    for (const r of results(worse)) if (r.model.id !== 'qrisk3') expect(r.disclaimer).toBeUndefined();
  });
});
