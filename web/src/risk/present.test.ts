import { describe, expect, it } from 'vitest';
import { createInstance } from 'i18next';
import { en } from '../i18n/en.ts';
import { es } from '../i18n/es.ts';
import {
  assumptionSources,
  buildOverrides,
  chooseCards,
  contributionChart,
  formatPercent,
  headlineResult,
  initialSbpTarget,
  inputValueText,
  parseDecimal,
  refusalText,
  smokesNow,
  whatIfRows,
  type Translate,
} from './present.ts';
import type { Explanation, ModelId, ModelInfo, ModelRefusal, ModelResult, Outcome, Projection, ProjectionRefusal } from './types.ts';

function translator(lng: 'en' | 'es'): Translate {
  const i18n = createInstance();
  void i18n.init({ resources: { en: { translation: en }, es: { translation: es } }, lng, fallbackLng: 'en', initAsync: false, interpolation: { escapeValue: false } });
  const t = i18n.t as unknown as Translate;
  return (key, params) => t(key, params ?? {});
}
const tEn = translator('en');
const tEs = translator('es');

const info = (id: ModelId, name = id.toUpperCase()): ModelInfo => ({ id, name, version: '1', source: `${id} paper` });

function result(id: ModelId, outcome: Outcome, riskPercent: number, horizonYears = 10): ModelResult {
  return { model: info(id), outcome, outcomeLabel: outcome, horizonYears, riskPercent, category: null, extrapolated: false, warnings: [] };
}

function refusal(id: ModelId, code: ModelRefusal['refused']['code'], field: string, extra: Partial<ModelRefusal> = {}, range?: { min: number; max: number; unit: string }): ModelRefusal {
  return { model: info(id), ...extra, refused: { code, field, message: `${field} server message`, ...(range ? { range } : {}) } };
}

describe('refusalText', () => {
  it('says which input a model needs, in words, in both languages', () => {
    expect(refusalText('pce', refusal('pce', 'MISSING_INPUT', 'race').refused, tEn)).toBe('Needs: Race');
    expect(refusalText('score2', refusal('score2', 'MISSING_INPUT', 'totalCholesterol').refused, tEn)).toBe('Needs: Total cholesterol');
    expect(refusalText('score2', refusal('score2', 'MISSING_INPUT', 'totalCholesterol').refused, tEs)).toBe('Necesita: Colesterol total');
  });

  it("says a model's age range, from the refusal's range or, when it has none, the model's own", () => {
    const withRange = refusal('score2', 'OUTSIDE_VALIDATED_POPULATION', 'age', {}, { min: 40, max: 69, unit: 'years' });
    expect(refusalText('score2', withRange.refused, tEn)).toBe('SCORE2 applies from 40 to 69 years');
    expect(refusalText('score2-op', { code: 'OUTSIDE_VALIDATED_POPULATION', field: 'age', message: 'x' }, tEn)).toBe('SCORE2-OP applies from 70 to 89 years');
    expect(refusalText('pce', { code: 'OUTSIDE_VALIDATED_POPULATION', field: 'age', message: 'x' }, tEs)).toBe('PCE se aplica de 40 a 79 años');
  });

  it('words a diabetes exclusion, a validated range, and an implausible value', () => {
    expect(refusalText('score2', { code: 'OUTSIDE_VALIDATED_POPULATION', field: 'diabetes', message: 'x' }, tEn)).toBe('SCORE2 is not for people with diabetes');
    expect(refusalText('pce', { code: 'OUTSIDE_VALIDATED_POPULATION', field: 'systolicBp', message: 'x', range: { min: 90, max: 200, unit: 'mmHg' } }, tEn)).toBe(
      'PCE was validated for Systolic blood pressure from 90 to 200 mmHg only',
    );
    expect(
      refusalText('pce', { code: 'IMPLAUSIBLE_VALUE', field: 'totalCholesterol', message: 'x', range: { min: 60, max: 500, unit: 'mg/dL' } }, tEn),
    ).toBe('Total cholesterol is outside the plausible range (60 to 500 mg/dL); check the value and its unit');
    expect(refusalText('pce', { code: 'UNKNOWN_UNIT', field: 'hdlCholesterol', message: 'x' }, tEn)).toBe('The unit of HDL cholesterol is not recognised');
  });

  it("falls back to the server's message where no better wording applies, and keeps unknown field paths", () => {
    expect(refusalText('qrisk3', { code: 'MISSING_INPUT', field: 'qrisk3.smoking', message: 'x' }, tEn)).toBe('Needs: qrisk3.smoking');
    expect(refusalText('pce', { code: 'OUTSIDE_VALIDATED_POPULATION', field: 'region', message: 'not in Europe' }, tEn)).toBe(
      'PCE was not validated for this patient: not in Europe',
    );
    expect(refusalText(undefined, { code: 'INCONSISTENT_INPUT', field: 'diabetes', message: 'type given without diabetes' }, tEn)).toBe(
      'Inconsistent values for Diabetes: type given without diabetes',
    );
  });
});

describe('chooseCards', () => {
  it('puts models that scored first, in the usual order, then those that refused', () => {
    const cards = chooseCards([
      refusal('pce', 'MISSING_INPUT', 'race'),
      result('qrisk3', 'cvd', 12),
      result('score2', 'cvd', 4.2),
      refusal('framingham', 'MISSING_INPUT', 'bpTreated'),
    ]);
    expect(cards.map((c) => c.model.id)).toEqual(['score2', 'qrisk3', 'pce', 'framingham']);
    expect(cards[2]?.refusals[0]?.refused.field).toBe('race');
  });

  it('shows a refusal repeated over every PREVENT outcome once, and keeps different ones', () => {
    const outcomes: Outcome[] = ['cvd', 'ascvd', 'hf', 'chd', 'stroke'];
    const slots = outcomes.flatMap((o) => [10, 30].map((h) => refusal('prevent', 'MISSING_INPUT', 'egfr', { outcome: o, horizonYears: h })));
    const [card] = chooseCards([...slots, refusal('prevent', 'MISSING_INPUT', 'bmi', { outcome: 'hf', horizonYears: 10 })]);
    expect(card?.refusals.map((r) => r.refused.field)).toEqual(['egfr', 'bmi']);
    expect(card?.results).toEqual([]);
  });

  it('hides the SCORE2 sibling that only says "not my age" when the other one scored, and not otherwise', () => {
    const opAge = refusal('score2-op', 'OUTSIDE_VALIDATED_POPULATION', 'age');
    expect(chooseCards([result('score2', 'cvd', 5), opAge]).map((c) => c.model.id)).toEqual(['score2']);
    // Neither scored (a 35-year-old): both say why.
    const young = chooseCards([refusal('score2', 'OUTSIDE_VALIDATED_POPULATION', 'age'), opAge]);
    expect(young.map((c) => c.model.id)).toEqual(['score2', 'score2-op']);
    // The sibling refused for another reason: that is worth saying.
    const diab = chooseCards([result('score2', 'cvd', 5), refusal('score2-op', 'OUTSIDE_VALIDATED_POPULATION', 'diabetes')]);
    expect(diab.map((c) => c.model.id)).toEqual(['score2', 'score2-op']);
  });

  it('leads a card with the 10-year total CVD result, else ASCVD, else the first', () => {
    const [prevent] = chooseCards([result('prevent', 'hf', 3), result('prevent', 'cvd', 9, 30), result('prevent', 'ascvd', 6), result('prevent', 'cvd', 8)]);
    expect(headlineResult(prevent!)).toMatchObject({ outcome: 'cvd', horizonYears: 10, riskPercent: 8 });
    const [pce] = chooseCards([result('pce', 'ascvd', 7)]);
    expect(headlineResult(pce!)?.outcome).toBe('ascvd');
    expect(headlineResult({ model: info('pce'), results: [], refusals: [] })).toBeUndefined();
  });
});

describe('formatPercent', () => {
  it('shows one decimal in the locale', () => {
    expect(formatPercent(8.26, 'en')).toBe('8.3%');
    expect(formatPercent(12, 'en')).toBe('12.0%');
    expect(formatPercent(8.26, 'es').replace(/\s/g, ' ')).toBe('8,3 %');
  });
});

describe('contributionChart', () => {
  const explanation: Explanation = {
    optimalRiskPercent: 2,
    optimalProfile: { description: 'TC 170', source: 'Goff 2013' },
    contributions: [
      { factor: 'totalCholesterol', actual: '240 mg/dL', optimal: '170 mg/dL', riskWithOptimalPercent: 9, reductionPercentPoints: 1.5, attributedPercentPoints: 1 },
      { factor: 'smoker', actual: 'yes', optimal: 'no', riskWithOptimalPercent: 5, reductionPercentPoints: 5, attributedPercentPoints: 4 },
      { factor: 'diabetes', actual: 'no', optimal: 'no', riskWithOptimalPercent: 10, reductionPercentPoints: 0, attributedPercentPoints: 0 },
      { factor: 'hdlCholesterol', actual: '70 mg/dL', optimal: '50 mg/dL', riskWithOptimalPercent: 10.5, reductionPercentPoints: -0.5, attributedPercentPoints: -0.5 },
      { factor: 'systolicBp', actual: '150 mmHg', optimal: '110 mmHg', riskWithOptimalPercent: 7, reductionPercentPoints: 3, attributedPercentPoints: 3.5 },
    ],
  };
  const labels = { optimal: 'Optimal risk', actual: 'Current risk', factor: (f: string) => `F:${f}` };

  it('starts at the optimal risk, adds each factor largest first, and ends on the patient\'s risk', () => {
    const chart = contributionChart(explanation, 10, labels);
    expect(chart.bars.map((b) => b.label)).toEqual(['Optimal risk', 'F:smoker', 'F:systolicBp', 'F:totalCholesterol', 'F:hdlCholesterol', 'Current risk']);
    const steps = chart.bars.slice(0, -1).reduce((sum, b) => sum + b.risk, 0);
    expect(steps).toBeCloseTo(10, 6);
    expect(chart.bars.at(-1)).toMatchObject({ risk: 10, standalone: true });
  });

  it('leaves out factors that change nothing and colours a protective factor differently', () => {
    const chart = contributionChart(explanation, 10, labels);
    expect(chart.factors.map((f) => f.factor)).not.toContain('diabetes');
    expect(chart.bars.find((b) => b.label === 'F:hdlCholesterol')?.color).toBe('green.6');
    expect(chart.bars.find((b) => b.label === 'F:smoker')?.color).toBe('red.6');
  });

  it('gives fresh objects each time (the waterfall chart rewrites its data in place)', () => {
    const a = contributionChart(explanation, 10, labels);
    (a.bars[0] as { risk: unknown }).risk = [0, 2];
    expect(contributionChart(explanation, 10, labels).bars[0]?.risk).toBe(2);
  });

  it('has only the optimal and actual bars when nothing is attributable', () => {
    const chart = contributionChart({ ...explanation, contributions: [] }, 2, labels);
    expect(chart.bars.map((b) => b.label)).toEqual(['Optimal risk', 'Current risk']);
    expect(chart.factors).toEqual([]);
  });
});

describe('buildOverrides', () => {
  it('sends only the missing fields the user filled in, typed as the API takes them', () => {
    const { overrides, errors } = buildOverrides(['race', 'totalCholesterol', 'smoker', 'systolicBp', 'hdlCholesterol'], {
      race: { value: 'black' },
      totalCholesterol: { value: '5,2', unit: 'mmol/L' },
      smoker: { value: 'false' },
      systolicBp: { value: '135' },
      hdlCholesterol: { value: '' },
      region: { value: 'low' }, // not missing: never sent
    });
    expect(errors).toEqual({});
    expect(overrides).toEqual({ race: 'black', totalCholesterol: { value: 5.2, unit: 'mmol/L' }, smoker: false, systolicBp: { value: 135, unit: 'mmHg' } });
  });

  it('refuses what is not a number, a cholesterol without its unit, and a choice not offered', () => {
    const { overrides, errors } = buildOverrides(['totalCholesterol', 'hdlCholesterol', 'race', 'age', 'diabetes'], {
      totalCholesterol: { value: '212' },
      hdlCholesterol: { value: 'fifty', unit: 'mg/dL' },
      race: { value: 'martian' },
      age: { value: '300' },
      diabetes: { value: 'maybe' },
    });
    expect(overrides).toEqual({});
    expect(errors).toEqual({
      totalCholesterol: 'risk.form.chooseUnit',
      hdlCholesterol: 'risk.form.notANumber',
      race: 'risk.form.chooseOne',
      age: 'risk.form.outOfRange',
      diabetes: 'risk.form.chooseOne',
    });
  });

  it('parses decimals typed with a point or a comma, and nothing else', () => {
    expect(parseDecimal('5.2')).toBe(5.2);
    expect(parseDecimal(' 5,2 ')).toBe(5.2);
    expect(parseDecimal('1e3')).toBeNaN();
    expect(parseDecimal('12abc')).toBeNaN();
    expect(parseDecimal('')).toBeNaN();
  });
});

describe('inputValueText', () => {
  const src = { kind: 'observation' as const, display: 'x' };
  it('shows numbers with their unit, booleans and choices in words', () => {
    expect(inputValueText('totalCholesterol', { value: 212.5, unit: 'mg/dL', source: src }, tEn, 'en')).toBe('212.5 mg/dL');
    expect(inputValueText('totalCholesterol', { value: 5.25, unit: 'mmol/L', source: src }, tEs, 'es')).toBe('5,25 mmol/L');
    expect(inputValueText('age', { value: 54, source: src }, tEn, 'en')).toBe('54 years');
    expect(inputValueText('smoker', { value: true, source: src }, tEs, 'es')).toBe('Sí');
    expect(inputValueText('race', { value: 'black', source: src }, tEn, 'en')).toBe('African American');
    expect(inputValueText('region', { value: 'low', source: src }, tEs, 'es')).toBe('Riesgo bajo');
    expect(inputValueText('race', { value: 'unlisted', source: src }, tEn, 'en')).toBe('unlisted');
  });
});

describe('what-if helpers', () => {
  const src = { kind: 'observation' as const, display: 'x' };
  it('starts the slider at the patient\'s systolic pressure, held inside its range', () => {
    expect(initialSbpTarget({ inputs: { systolicBp: { value: 142.4, unit: 'mmHg', source: src } } }, 110, 160)).toBe(142);
    expect(initialSbpTarget({ inputs: { systolicBp: { value: 182, unit: 'mmHg', source: src } } }, 110, 160)).toBe(160);
    expect(initialSbpTarget({ inputs: { systolicBp: { value: 100, unit: 'mmHg', source: src } } }, 110, 160)).toBe(110);
    expect(initialSbpTarget({ inputs: {} }, 110, 160)).toBe(160);
  });

  it('offers quitting only to a current smoker', () => {
    expect(smokesNow({ inputs: { smoker: { value: true, source: src } } })).toBe(true);
    expect(smokesNow({ inputs: { smoker: { value: false, source: src } } })).toBe(false);
    expect(smokesNow({ inputs: {} })).toBe(false);
  });

  it('shows the 10-year projections in model order, not refusals or 30-year rows', () => {
    const p = (id: ModelId, outcome: Outcome, horizonYears = 10): Projection => ({
      model: info(id),
      outcome,
      horizonYears,
      baselinePercent: 10,
      projectedPercent: 8,
      absoluteReductionPercentPoints: 2,
      steps: [],
      warnings: [],
    });
    const refused: ProjectionRefusal = { model: info('pce'), refused: { code: 'MISSING_INPUT', field: 'race', message: 'x' } };
    const rows = whatIfRows({ projections: [p('qrisk3', 'cvd'), refused, p('prevent', 'cvd', 30), p('prevent', 'ascvd'), p('score2', 'cvd')] });
    expect(rows.map((r) => `${r.model.id}/${r.outcome}/${r.horizonYears}`)).toEqual(['prevent/ascvd/10', 'score2/cvd/10', 'qrisk3/cvd/10']);
  });

  it('lists each assumption that carries a source', () => {
    expect(assumptionSources({ bpPer10mmHg: { relativeRisk: {}, source: 'Ettehad 2016' }, odd: 3, quitSmoking: { source: 'model' } })).toEqual([
      { key: 'bpPer10mmHg', source: 'Ettehad 2016' },
      { key: 'quitSmoking', source: 'model' },
    ]);
  });
});
