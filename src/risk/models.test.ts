/** Model details beyond cases.csv: published values it lacks, model choice, regions, categories. */
import { describe, expect, it } from 'vitest';
import { accAhaCategory, escCategory, framinghamCategory, qriskCategory } from './categories.ts';
import { ESC_2021_REGIONS, regionForCountry, scoreModel, type RiskInput } from './index.ts';
import { choosePreventModel } from './models/prevent.ts';

function risk(model: Parameters<typeof scoreModel>[0], input: RiskInput): number {
  const [e] = scoreModel(model, input, { explain: false }).entries;
  if (!e?.ok) throw new Error(`refused: ${e ? e.message : 'nothing'}`);
  return e.riskPercent;
}

const man55: RiskInput = { sex: 'male', age: 55, systolicBp: { value: 140, unit: 'mmHg' }, bpTreated: false, smoker: false, diabetes: false };

describe('Framingham 2008 (CVrisk test values quoted in coefficients.md 4)', () => {
  it('laboratory model: man 55, TC 213, HDL 50, untreated SBP 140 = 13.53%', () => {
    const r = risk('framingham', { ...man55, totalCholesterol: { value: 213, unit: 'mg/dL' }, hdlCholesterol: { value: 50, unit: 'mg/dL' } });
    expect(Math.round(r * 100) / 100).toBe(13.53);
  });
  it('BMI model: man 55, BMI 30, untreated SBP 140 = 16.75%', () => {
    const r = risk('framingham-bmi', { ...man55, bmi: { value: 30, unit: 'kg/m2' } });
    expect(Math.round(r * 100) / 100).toBe(16.75);
  });
  it('uses the treated SBP coefficient 1.99881 for men, not the misprinted 2.99881', () => {
    const base = { ...man55, totalCholesterol: { value: 213, unit: 'mg/dL' as const }, hdlCholesterol: { value: 50, unit: 'mg/dL' as const } };
    const untreated = risk('framingham', base);
    const treated = risk('framingham', { ...base, bpTreated: true });
    // exp((1.99881 - 1.93303) x ln 140) = 1.384 times the hazard; 2.99881 would give about 99%.
    const expected = 100 * (1 - (1 - untreated / 100) ** Math.exp((1.99881 - 1.93303) * Math.log(140)));
    expect(treated).toBeCloseTo(expected, 10);
    expect(treated).toBeLessThan(20);
  });
});

describe('PREVENT model choice', () => {
  const base: RiskInput = { sex: 'female', age: 50 };
  it.each([
    [{}, 'base'],
    [{ uacr: { value: 40, unit: 'mg/g' } }, 'uacr'],
    [{ hba1c: { value: 7.5, unit: '%' } }, 'hba1c'],
    [{ sdiDecile: 8 }, 'sdi'],
    [{ uacr: { value: 40, unit: 'mg/g' }, sdiDecile: 8 }, 'full'],
  ] as const)('%j -> %s', (extra, model) => {
    expect(choosePreventModel({ ...base, ...extra } as RiskInput)).toBe(model);
  });

  it('IFCC HbA1c (mmol/mol) gives the same risk as the equivalent NGSP %', () => {
    const p: RiskInput = {
      sex: 'female', age: 50, totalCholesterol: { value: 200, unit: 'mg/dL' }, hdlCholesterol: { value: 45, unit: 'mg/dL' },
      systolicBp: { value: 160, unit: 'mmHg' }, bpTreated: true, smoker: false, diabetes: true, statin: false,
      egfr: { value: 90, unit: 'mL/min/1.73m2' }, bmi: { value: 35, unit: 'kg/m2' },
    };
    const pct = risk('prevent', { ...p, hba1c: { value: 7.5, unit: '%' } });
    const ifcc = risk('prevent', { ...p, hba1c: { value: (7.5 - 2.152) / 0.09148, unit: 'mmol/mol' } });
    expect(ifcc).toBeCloseTo(pct, 10);
    expect(Math.round(pct * 100) / 100).toBe(13.59); // Khan supplement worked example, HbA1c model
  });
});

describe('SCORE2 units and regions', () => {
  it('gives the worked-example risk from mg/dL inputs converted at 38.67', () => {
    const input: RiskInput = {
      sex: 'male', age: 50, smoker: true, diabetes: false, region: 'low', systolicBp: { value: 140, unit: 'mmHg' },
      totalCholesterol: { value: 6.3 * 38.67, unit: 'mg/dL' }, hdlCholesterol: { value: 1.4 * 38.67, unit: 'mg/dL' },
    };
    expect(Math.round(risk('score2', input) * 10) / 10).toBe(6.3);
  });
  it('maps ISO alpha-2 codes to the ESC 2021 regions', () => {
    expect(regionForCountry('es')).toBe('low');
    expect(regionForCountry('UK')).toBe('low');
    expect(regionForCountry('DE')).toBe('moderate');
    expect(regionForCountry('PL')).toBe('high');
    expect(regionForCountry('RO')).toBe('very-high');
    expect(regionForCountry('US')).toBeUndefined();
    expect(Object.keys(ESC_2021_REGIONS)).toHaveLength(10 + 13 + 10 + 23);
  });
});

describe('categories', () => {
  it('ACC/AHA 2018 thresholds at their edges', () => {
    expect([4.99, 5, 7.49, 7.5, 19.99, 20].map((r) => accAhaCategory(r).code)).toEqual(['low', 'borderline', 'borderline', 'intermediate', 'intermediate', 'high']);
  });
  it('ESC 2021 thresholds depend on age', () => {
    expect(escCategory(4, 45).code).toBe('high');
    expect(escCategory(4, 55).code).toBe('low-to-moderate');
    expect(escCategory(7.5, 49).code).toBe('very-high');
    expect(escCategory(10, 69).code).toBe('very-high');
    expect(escCategory(10, 70).code).toBe('high');
    expect(escCategory(15, 75).code).toBe('very-high');
  });
  it('Framingham (CCS 2021) and QRISK3 (NICE) thresholds', () => {
    expect([9.9, 10, 19.9, 20].map((r) => framinghamCategory(r).code)).toEqual(['low', 'intermediate', 'intermediate', 'high']);
    expect([9.99, 10].map((r) => qriskCategory(r).code)).toEqual(['below-threshold', 'at-or-above-threshold']);
  });
});

describe('PCE coefficient sets', () => {
  it('table-a is selectable and says so in the warnings', () => {
    const input: RiskInput = {
      ...man55, race: 'black', sex: 'female', totalCholesterol: { value: 213, unit: 'mg/dL' }, hdlCholesterol: { value: 50, unit: 'mg/dL' }, systolicBp: { value: 120, unit: 'mmHg' },
    };
    const [precise] = scoreModel('pce', input).entries;
    const [tableA] = scoreModel('pce', input, { pceCoefficients: 'table-a' }).entries;
    expect(precise?.ok && precise.riskPercent).toBeCloseTo(2.9982, 4);
    expect(tableA?.ok && tableA.riskPercent).toBeCloseTo(3.0263, 4);
    expect(tableA?.ok && tableA.warnings.join(' ')).toMatch(/Table A/);
  });
});
