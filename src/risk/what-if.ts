/**
 * What-if: projected risk after lowering blood pressure to a target, quitting smoking, starting
 * a statin, or any combination, as the ACC Risk Estimator's therapy view shows it.
 *
 * Methods (WellAge's choice; each cited):
 * - Quitting smoking: the model itself is re-evaluated with the patient as a non-smoker
 *   (QRISK3: as an ex-smoker, its own category). The equations' smoking terms are
 *   associations, so this is an estimate of the long-run gain, not a trial result.
 * - Blood pressure: relative risk per 10 mmHg systolic reduction from the Blood Pressure
 *   Lowering meta-analysis of Ettehad D et al., Lancet 2016;387:957-967: major CVD 0.80,
 *   CHD 0.83, stroke 0.73, heart failure 0.72; scaled log-linearly to the drop asked for.
 *   Re-running the equation at a lower SBP is not used: the equations also carry a
 *   "treated" term and were not built to predict the effect of treatment.
 * - Statin: relative risk per 1 mmol/L LDL-C reduction from the Cholesterol Treatment
 *   Trialists' meta-analysis, Lancet 2010;376:1670-1681: major vascular events 0.78, major
 *   coronary events 0.76, stroke 0.84; no effect assumed on heart failure. The LDL-C drop is
 *   30% (moderate intensity) or 50% (high intensity) of LDL-C: the lower bounds of the
 *   intensity definitions in the 2018 AHA/ACC cholesterol guideline (Grundy SM et al.).
 *   When LDL-C is not given, non-HDL cholesterol stands in for it (an overestimate; flagged).
 * - Combinations multiply: the smoking-adjusted risk times each relative risk, assuming the
 *   effects are independent (the same assumption the trials' pooled estimates invite).
 * Relative risks estimated over ~5 years of treatment are applied to the model's horizon.
 */
import { scoreModel } from './score.ts';
import { toMmol } from './inputs.ts';
import type { ModelId, Outcome, RiskInput, RiskRefusal, RiskResult, ScoreOptions } from './types.ts';

export interface WhatIfScenario {
  /** Target systolic blood pressure, mmHg. */
  readonly sbpTarget?: number;
  readonly quitSmoking?: boolean;
  readonly statin?: 'moderate' | 'high';
}

export interface WhatIfStep {
  readonly intervention: 'quit-smoking' | 'lower-bp' | 'start-statin';
  /** Risk after this step and the ones before it, percent. */
  readonly riskAfterPercent: number;
  /** Relative risk applied (1 when the step changes nothing). */
  readonly relativeRisk: number;
  readonly method: string;
  readonly source: string;
}

export interface WhatIfResult {
  readonly ok: true;
  readonly outcome: Outcome;
  readonly horizonYears: number;
  readonly baseline: RiskResult;
  readonly projectedRiskPercent: number;
  readonly absoluteReductionPercentPoints: number;
  readonly steps: readonly WhatIfStep[];
  readonly warnings: readonly string[];
}

/** The published effect sizes used, for display beside the sliders. */
export const WHAT_IF_ASSUMPTIONS = {
  bpPer10mmHg: {
    relativeRisk: { ascvd: 0.8, cvd: 0.8, chd: 0.83, stroke: 0.73, hf: 0.72 } as Record<Outcome, number>,
    source: 'Ettehad D et al. Blood pressure lowering for prevention of cardiovascular disease and death. Lancet 2016;387:957-967',
  },
  statinPerMmolLdl: {
    relativeRisk: { ascvd: 0.78, cvd: 0.78, chd: 0.76, stroke: 0.84, hf: 1 } as Record<Outcome, number>,
    source: "Cholesterol Treatment Trialists' (CTT) Collaboration. Lancet 2010;376:1670-1681",
  },
  statinLdlReduction: {
    moderate: 0.3,
    high: 0.5,
    source: '2018 AHA/ACC Guideline on the Management of Blood Cholesterol (Grundy SM et al.): moderate intensity lowers LDL-C 30-49%, high intensity 50% or more (lower bounds used)',
  },
  quitSmoking: {
    source: "The model's own smoking term (QRISK3: ex-smoker category)",
  },
} as const;

function key(e: { outcome?: Outcome; horizonYears?: number }): string {
  return `${e.outcome ?? ''}/${e.horizonYears ?? ''}`;
}

/**
 * Projects each outcome the model scores under the scenario. Outcomes the model refuses come
 * back as the same refusals.
 */
export function whatIf(
  model: ModelId,
  input: RiskInput,
  scenario: WhatIfScenario,
  options: ScoreOptions = {},
): Array<WhatIfResult | RiskRefusal> {
  const opts = { ...options, explain: false };
  const baseline = scoreModel(model, input, opts);
  const common: string[] = [];
  let quit: Map<string, number> | undefined;
  if (scenario.quitSmoking) {
    const smokes = model === 'qrisk3' ? (input.qrisk3?.smoking ? ['light', 'moderate', 'heavy'].includes(input.qrisk3.smoking) : input.smoker === true) : input.smoker === true;
    if (!smokes) {
      common.push('not a current smoker: quitting changes nothing');
    } else {
      const quitInput: RiskInput =
        model === 'qrisk3' ? { ...input, smoker: false, qrisk3: { ...input.qrisk3, smoking: 'ex' } } : { ...input, smoker: false };
      quit = new Map();
      for (const e of scoreModel(model, quitInput, opts).entries) if (e.ok) quit.set(key(e), e.riskPercent);
    }
  }
  let ldlMmol: number | undefined;
  if (scenario.statin) {
    if (input.statin === true) common.push('already on a statin: the statin effect is already in the risk');
    else if (input.ldlCholesterol) ldlMmol = toMmol(input.ldlCholesterol);
    else if (input.totalCholesterol && input.hdlCholesterol) {
      ldlMmol = toMmol(input.totalCholesterol) - toMmol(input.hdlCholesterol);
      common.push('LDL cholesterol not given: non-HDL cholesterol used in its place, which overstates the statin effect');
    } else common.push('no LDL, total or HDL cholesterol given: the statin effect cannot be estimated');
  }
  const sbp = input.systolicBp?.value;
  if (scenario.sbpTarget !== undefined && (!Number.isFinite(scenario.sbpTarget) || scenario.sbpTarget < 90 || scenario.sbpTarget > 200)) {
    throw new RangeError('sbpTarget must be 90-200 mmHg'); // the interface validates this; reaching here is a caller bug
  }
  return baseline.entries.map((e) => {
    if (!e.ok) return e;
    const warnings = [...common];
    const steps: WhatIfStep[] = [];
    let risk = e.riskPercent;
    if (scenario.quitSmoking) {
      const after = quit?.get(key(e));
      // Where an equation's age x smoking interaction flips the sign of smoking (PCE White men
      // over 78.6: 7.837 - 1.795 ln age < 0), quitting is never shown as harmful.
      const next = after === undefined ? risk : Math.min(after, risk);
      if (after !== undefined && after > risk) {
        warnings.push(
          "the model scores a non-smoker higher than a smoker at this age (an artefact of its age x smoking term, e.g. PCE White men over 78); quitting is shown as no change",
        );
      }
      steps.push({
        intervention: 'quit-smoking',
        riskAfterPercent: next,
        relativeRisk: risk > 0 ? next / risk : 1,
        method: model === 'qrisk3' ? 'model re-evaluated as ex-smoker' : 'model re-evaluated as non-smoker',
        source: WHAT_IF_ASSUMPTIONS.quitSmoking.source,
      });
      risk = next;
    }
    if (scenario.sbpTarget !== undefined) {
      const drop = sbp === undefined ? 0 : Math.max(0, sbp - scenario.sbpTarget);
      if (sbp !== undefined && drop === 0) warnings.push(`SBP ${sbp} mmHg is already at or below the target ${scenario.sbpTarget} mmHg`);
      const rr = Math.pow(WHAT_IF_ASSUMPTIONS.bpPer10mmHg.relativeRisk[e.outcome], drop / 10);
      risk *= rr;
      steps.push({
        intervention: 'lower-bp',
        riskAfterPercent: risk,
        relativeRisk: rr,
        method: `SBP ${sbp ?? '?'} to ${scenario.sbpTarget} mmHg: relative risk per 10 mmHg ^ (${drop} / 10)`,
        source: WHAT_IF_ASSUMPTIONS.bpPer10mmHg.source,
      });
    }
    if (scenario.statin) {
      const reduction = ldlMmol === undefined ? 0 : ldlMmol * WHAT_IF_ASSUMPTIONS.statinLdlReduction[scenario.statin];
      const rr = Math.pow(WHAT_IF_ASSUMPTIONS.statinPerMmolLdl.relativeRisk[e.outcome], reduction);
      risk *= rr;
      steps.push({
        intervention: 'start-statin',
        riskAfterPercent: risk,
        relativeRisk: rr,
        method: `${scenario.statin}-intensity statin: LDL-C lowered by ${Number(reduction.toFixed(2))} mmol/L; relative risk per mmol/L ^ reduction`,
        source: `${WHAT_IF_ASSUMPTIONS.statinPerMmolLdl.source}; ${WHAT_IF_ASSUMPTIONS.statinLdlReduction.source}`,
      });
    }
    return {
      ok: true as const,
      outcome: e.outcome,
      horizonYears: e.horizonYears,
      baseline: e,
      projectedRiskPercent: risk,
      absoluteReductionPercentPoints: e.riskPercent - risk,
      steps,
      warnings,
    };
  });
}
