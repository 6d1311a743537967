/**
 * ESC 2021 cardiovascular risk regions by country (ISO 3166-1 alpha-2), for SCORE2 and
 * SCORE2-OP recalibration.
 *
 * Source: 2021 ESC Guidelines on cardiovascular disease prevention (Visseren FLJ et al.,
 * Eur Heart J 2021;42:3227), risk-region list as reproduced on Abbott's "cvrisk_calc" page,
 * which cites the guideline (coefficients.md 3.3). That list is a secondary source and was
 * not re-checked against the guideline text; countries it does not name return undefined,
 * and the caller must choose a region explicitly.
 */
import type { RiskRegion } from './types.ts';

export const ESC_2021_REGIONS: Readonly<Record<string, RiskRegion>> = {
  // Low
  BE: 'low', DK: 'low', FR: 'low', IL: 'low', LU: 'low', NO: 'low', ES: 'low', CH: 'low', NL: 'low', GB: 'low',
  // Moderate
  AT: 'moderate', CY: 'moderate', FI: 'moderate', DE: 'moderate', GR: 'moderate', IS: 'moderate', IE: 'moderate',
  IT: 'moderate', MT: 'moderate', PT: 'moderate', SM: 'moderate', SI: 'moderate', SE: 'moderate',
  // High
  AL: 'high', BA: 'high', HR: 'high', CZ: 'high', EE: 'high', HU: 'high', KZ: 'high', PL: 'high', SK: 'high', TR: 'high',
  // Very high
  DZ: 'very-high', AM: 'very-high', AZ: 'very-high', BY: 'very-high', BG: 'very-high', EG: 'very-high', GE: 'very-high',
  KG: 'very-high', LV: 'very-high', LB: 'very-high', LY: 'very-high', LT: 'very-high', ME: 'very-high', MA: 'very-high',
  MD: 'very-high', RO: 'very-high', RU: 'very-high', RS: 'very-high', SY: 'very-high', MK: 'very-high', TN: 'very-high',
  UA: 'very-high', UZ: 'very-high',
};

/** The ESC 2021 risk region of a country (ISO 3166-1 alpha-2, any case; "UK" is accepted for GB). */
export function regionForCountry(code: string): RiskRegion | undefined {
  const c = code.trim().toUpperCase();
  return ESC_2021_REGIONS[c === 'UK' ? 'GB' : c];
}
