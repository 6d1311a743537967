/** Inputs that cannot be misread: units, plausibility, validated populations, refusals naming the field. */
import { describe, expect, it } from 'vitest';
import { MODEL_IDS, scoreModel, type RiskEntry, type RiskInput, type RiskRefusal } from './index.ts';

/** A 55-year-old with every field any model needs, in range for all but the age-split SCORE2 pair. */
const base: RiskInput = {
  sex: 'male',
  age: 55,
  race: 'white',
  region: 'moderate',
  totalCholesterol: { value: 213, unit: 'mg/dL' },
  hdlCholesterol: { value: 50, unit: 'mg/dL' },
  systolicBp: { value: 140, unit: 'mmHg' },
  bpTreated: false,
  smoker: false,
  diabetes: false,
  statin: false,
  egfr: { value: 90, unit: 'mL/min/1.73m2' },
  bmi: { value: 27, unit: 'kg/m2' },
  qrisk3: { sbpStandardDeviation: { value: 8, unit: 'mmHg' }, townsend: 0, smoking: 'never', diabetesType: 'none' },
};

function first(model: Parameters<typeof scoreModel>[0], input: RiskInput, allowExtrapolation = false): RiskEntry {
  const e = scoreModel(model, input, { allowExtrapolation, explain: false }).entries[0];
  if (!e) throw new Error('no entry');
  return e;
}

function refused(e: RiskEntry): RiskRefusal {
  if (e.ok) throw new Error(`expected a refusal, got ${e.riskPercent}%`);
  return e;
}

const ADULT_MODELS = MODEL_IDS.filter((m) => m !== 'score2-op');

describe('plausibility: values refused whatever the caller allows', () => {
  it.each(ADULT_MODELS)('%s refuses total cholesterol 5.2 labelled mg/dL, naming the field and the unit', (model) => {
    const r = refused(first(model, { ...base, totalCholesterol: { value: 5.2, unit: 'mg/dL' } }, true));
    expect(r.code).toBe('IMPLAUSIBLE_VALUE');
    expect(r.field).toBe('totalCholesterol');
    expect(r.message).toMatch(/5\.2 mg\/dL is not plausible/);
    expect(r.range).toEqual({ min: 50, max: 600, unit: 'mg/dL' });
  });

  it('accepts the same 5.2 when labelled mmol/L, and gives the same PCE risk as 201.08 mg/dL', () => {
    const mmol = first('pce', { ...base, totalCholesterol: { value: 5.2, unit: 'mmol/L' } });
    const mgdl = first('pce', { ...base, totalCholesterol: { value: 5.2 * 38.67, unit: 'mg/dL' } });
    expect(mmol.ok && mgdl.ok).toBe(true);
    if (mmol.ok && mgdl.ok) expect(mmol.riskPercent).toBeCloseTo(mgdl.riskPercent, 10);
  });

  it('refuses an HDL of 200 labelled mmol/L', () => {
    const r = refused(first('score2', { ...base, hdlCholesterol: { value: 200, unit: 'mmol/L' } }));
    expect([r.code, r.field]).toEqual(['IMPLAUSIBLE_VALUE', 'hdlCholesterol']);
  });

  it('refuses an unknown unit instead of guessing', () => {
    const r = refused(first('pce', { ...base, totalCholesterol: { value: 213, unit: 'mg/L' as 'mg/dL' } }));
    expect(r.code).toBe('UNKNOWN_UNIT');
    expect(r.field).toBe('totalCholesterol');
    expect(r.message).toMatch(/mg\/dL or mmol\/L/);
  });

  it('refuses a bare number where a quantity with a unit is required', () => {
    const r = refused(first('pce', { ...base, systolicBp: 140 as unknown as RiskInput['systolicBp'] }));
    expect([r.code, r.field]).toEqual(['UNKNOWN_UNIT', 'systolicBp']);
  });

  it('refuses HDL at or above total cholesterol', () => {
    const r = refused(first('pce', { ...base, hdlCholesterol: { value: 190, unit: 'mg/dL' }, totalCholesterol: { value: 180, unit: 'mg/dL' } }));
    expect([r.code, r.field]).toEqual(['INCONSISTENT_INPUT', 'hdlCholesterol']);
  });

  it.each([
    ['age', { age: Number.NaN }],
    ['age', { age: 150 }],
    ['systolicBp', { systolicBp: { value: 400, unit: 'mmHg' } }],
    ['sex', { sex: 'unknown' }],
    ['smoker', { smoker: 'yes' }],
    ['race', { race: 'asian' }],
    ['egfr', { egfr: { value: -5, unit: 'mL/min/1.73m2' } }],
    ['bmi', { bmi: { value: 270, unit: 'kg/m2' } }],
  ] as const)('names %s for %j', (field, patch) => {
    const r = refused(first('pce', { ...base, ...(patch as object) } as RiskInput, true));
    expect(r.field).toBe(field);
  });
});

describe('missing inputs are named', () => {
  it.each([
    ['pce', 'race', { race: undefined }],
    ['pce', 'totalCholesterol', { totalCholesterol: undefined }],
    ['prevent', 'egfr', { egfr: undefined }],
    ['prevent', 'statin', { statin: undefined }],
    ['score2', 'region', { region: undefined }],
    ['framingham-bmi', 'bmi', { bmi: undefined }],
    ['qrisk3', 'qrisk3.sbpStandardDeviation', { qrisk3: { ...base.qrisk3, sbpStandardDeviation: undefined } }],
    ['qrisk3', 'qrisk3.smoking', { smoker: true, qrisk3: { ...base.qrisk3, smoking: undefined } }],
    ['qrisk3', 'qrisk3.diabetesType', { diabetes: true, qrisk3: { ...base.qrisk3, diabetesType: undefined } }],
  ] as const)('%s without %s', (model, field, patch) => {
    const r = refused(first(model, { ...base, ...(patch as object) } as RiskInput));
    expect(r.code).toBe('MISSING_INPUT');
    expect(r.field).toBe(field);
  });

  it('PREVENT without BMI still scores CVD and ASCVD but refuses heart failure, naming bmi', () => {
    const entries = scoreModel('prevent', { ...base, bmi: undefined }).entries;
    const hf = entries.filter((e) => e.outcome === 'hf');
    expect(hf.map((e) => !e.ok && e.field)).toEqual(['bmi', 'bmi']);
    expect(entries.filter((e) => e.outcome === 'cvd').every((e) => e.ok)).toBe(true);
  });
});

describe('validated populations', () => {
  it.each([
    ['pce', 39, { min: 40, max: 79 }],
    ['pce', 80, { min: 40, max: 79 }],
    ['prevent', 29, { min: 30, max: 79 }],
    ['score2', 70, { min: 40, max: 69 }],
    ['score2-op', 69, { min: 70, max: 89 }],
    ['framingham', 75, { min: 30, max: 74 }],
    ['qrisk3', 85, { min: 25, max: 84 }],
  ] as const)('%s refuses age %i naming the field and range, or flags it when asked', (model, age, range) => {
    const r = refused(first(model, { ...base, age }));
    expect(r.code).toBe('OUTSIDE_VALIDATED_POPULATION');
    expect(r.field).toBe('age');
    expect(r.range).toEqual({ ...range, unit: 'years' });
    expect(r.message).toContain(`${range.min}-${range.max} years`);
    const flagged = first(model, { ...base, age }, true);
    expect(flagged.ok).toBe(true);
    if (flagged.ok) {
      expect(flagged.extrapolated).toBe(true);
      expect(flagged.warnings.some((w) => w.includes('extrapolated'))).toBe(true);
      expect(Number.isFinite(flagged.riskPercent)).toBe(true);
    }
  });

  it('in-range results are not flagged as extrapolated', () => {
    for (const m of ADULT_MODELS) {
      const e = first(m, base);
      expect(e.ok && e.extrapolated, m).toBe(false);
    }
  });

  it('PCE refuses total cholesterol above its accepted 320 mg/dL', () => {
    const r = refused(first('pce', { ...base, totalCholesterol: { value: 350, unit: 'mg/dL' } }));
    expect([r.code, r.field]).toEqual(['OUTSIDE_VALIDATED_POPULATION', 'totalCholesterol']);
  });

  it('PREVENT refuses the 30-year horizon at 65 but scores the 10-year one', () => {
    const entries = scoreModel('prevent', { ...base, age: 65 }).entries;
    const thirty = entries.filter((e) => e.horizonYears === 30);
    expect(thirty).toHaveLength(5);
    expect(thirty.every((e) => !e.ok && e.field === 'age' && e.message.includes('30-59'))).toBe(true);
    expect(entries.filter((e) => e.horizonYears === 10).every((e) => e.ok)).toBe(true);
  });

  it('SCORE2 refuses people with diabetes (SCORE2-Diabetes is a different model)', () => {
    const r = refused(first('score2', { ...base, diabetes: true }));
    expect(r.field).toBe('diabetes');
    expect(r.message).toMatch(/SCORE2-Diabetes/);
  });

  it('QRISK3 refuses a smoking category that contradicts smoker', () => {
    const r = refused(first('qrisk3', { ...base, smoker: false, qrisk3: { ...base.qrisk3, smoking: 'heavy' } }));
    expect([r.code, r.field]).toEqual(['INCONSISTENT_INPUT', 'qrisk3.smoking']);
  });

  it('engines never throw for clinical reasons, even on garbage', () => {
    for (const m of MODEL_IDS) {
      expect(() => scoreModel(m, {} as RiskInput)).not.toThrow();
      expect(() => scoreModel(m, null as unknown as RiskInput)).not.toThrow();
    }
  });
});
