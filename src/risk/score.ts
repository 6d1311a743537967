/** The model table and the one-model / all-models scoring entry points. */
import { scoreFramingham, scoreFraminghamBmi, FRAMINGHAM_BMI_INFO, FRAMINGHAM_INFO } from './models/framingham.ts';
import { scorePce, PCE_INFO } from './models/pce.ts';
import { scorePrevent, PREVENT_INFO } from './models/prevent.ts';
import { scoreQrisk3, QRISK3_INFO } from './models/qrisk3.ts';
import { scoreScore2, scoreScore2Op, SCORE2_INFO, SCORE2_OP_INFO } from './models/score2.ts';
import { MODEL_IDS, type ModelId, type ModelInfo, type ModelScore, type RiskInput, type ScoreOptions } from './types.ts';

const SCORERS: Record<ModelId, (input: RiskInput, options?: ScoreOptions) => ModelScore> = {
  pce: scorePce,
  prevent: scorePrevent,
  score2: scoreScore2,
  'score2-op': scoreScore2Op,
  framingham: scoreFramingham,
  'framingham-bmi': scoreFraminghamBmi,
  qrisk3: scoreQrisk3,
};

export const MODEL_INFO: Readonly<Record<ModelId, ModelInfo>> = {
  pce: PCE_INFO,
  prevent: PREVENT_INFO,
  score2: SCORE2_INFO,
  'score2-op': SCORE2_OP_INFO,
  framingham: FRAMINGHAM_INFO,
  'framingham-bmi': FRAMINGHAM_BMI_INFO,
  qrisk3: QRISK3_INFO,
};

export function isModelId(s: string): s is ModelId {
  return (MODEL_IDS as readonly string[]).includes(s);
}

/** Scores one model. Never throws for clinical reasons: refusals come back as entries. */
export function scoreModel(model: ModelId, input: RiskInput, options: ScoreOptions = {}): ModelScore {
  const scorer = SCORERS[model];
  if (!scorer) throw new Error(`unknown risk model '${String(model)}'`); // a caller bug, not a clinical refusal
  return scorer(input, options);
}

/**
 * Scores every model that could apply. SCORE2 and SCORE2-OP split by age, so only the one
 * matching the patient's age is run (both when age is not a number).
 */
export function scoreAll(input: RiskInput, options: ScoreOptions = {}): ModelScore[] {
  return MODEL_IDS.filter((m) => {
    if (m === 'score2') return !(input.age >= 70);
    if (m === 'score2-op') return !(input.age < 70);
    return true;
  }).map((m) => scoreModel(m, input, options));
}
