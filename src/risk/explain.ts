/**
 * Per-factor contributions and the optimal risk, computed the same way for every model:
 * re-evaluate the model with one factor at its optimal value (all else unchanged) and report
 * how much lower the risk is. Factors interact, so these reductions do not add up to
 * actual - optimal risk; `attributedPercentPoints` rescales them so that they do.
 */
import type { FactorContribution, RiskExplanation } from './types.ts';

/** One modifiable factor of a model's prepared profile P. */
export interface FactorSpec<P> {
  readonly factor: string;
  /** The patient's value in words. */
  actual(p: P): string;
  /** The optimal value in words. */
  readonly optimal: string;
  /** The profile with only this factor set to optimal. */
  toOptimal(p: P): P;
}

export interface OptimalProfile<P> {
  readonly description: string;
  readonly source: string;
  /** The same patient (age, sex, race/region/ethnicity) with every factor optimal. */
  apply(p: P): P;
}

export function explainRisk<P>(
  profile: P,
  actualRiskPercent: number,
  risk: (p: P) => number,
  factors: readonly FactorSpec<P>[],
  optimal: OptimalProfile<P>,
): RiskExplanation {
  const optimalRiskPercent = risk(optimal.apply(profile));
  const raw = factors.map((f) => {
    const withOptimal = risk(f.toOptimal(profile));
    return { f, withOptimal, reduction: actualRiskPercent - withOptimal };
  });
  const total = actualRiskPercent - optimalRiskPercent;
  const sum = raw.reduce((s, r) => s + r.reduction, 0);
  const scale = Math.abs(sum) > 1e-12 ? total / sum : 0;
  const contributions: FactorContribution[] = raw.map((r) => ({
    factor: r.f.factor,
    actual: r.f.actual(profile),
    optimal: r.f.optimal,
    riskWithOptimalPercent: r.withOptimal,
    reductionPercentPoints: r.reduction,
    attributedPercentPoints: r.reduction * scale,
  }));
  return {
    contributions,
    optimalRiskPercent,
    optimalProfile: { description: optimal.description, source: optimal.source },
  };
}

/** Formats a number for the explanation text without float noise. */
export function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4)));
}
