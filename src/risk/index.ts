/**
 * The risk engines' public face: score one patient with one model or all that apply, explain,
 * and project what-ifs. Pure: no I/O, no clock. Services and interfaces import from here.
 */
export type * from './types.ts';
export { MODEL_IDS } from './types.ts';
export { scoreModel, scoreAll, isModelId, MODEL_INFO } from './score.ts';
export { QRISK3_DISCLAIMER } from './models/qrisk3.ts';
export { regionForCountry, ESC_2021_REGIONS } from './regions.ts';
export { PLAUSIBLE, MGDL_PER_MMOL } from './inputs.ts';
export { whatIf, WHAT_IF_ASSUMPTIONS, type WhatIfScenario, type WhatIfResult, type WhatIfStep } from './what-if.ts';
