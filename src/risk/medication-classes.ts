/**
 * Which medications mean "on a statin" and "blood pressure treated" for the risk models.
 * Pure data and a matcher; record-inputs.ts and the demo seed both use it.
 *
 * Classes follow the WHO ATC classification (WHO Collaborating Centre for Drug Statistics
 * Methodology, https://atcddd.fhi.no/atc_ddd_index/): statins are C10AA (HMG CoA reductase
 * inhibitors); blood-pressure-lowering agents are C02 (antihypertensives), C03 (diuretics),
 * C07 (beta blockers), C08 (calcium channel blockers) and C09 (agents acting on the
 * renin-angiotensin system). A medication coded in ATC matches by prefix.
 *
 * RxNorm codes are ingredient concepts (TTY=IN, https://mor.nlm.nih.gov/RxNav): the demo and
 * most FHIR feeds code at ingredient level. Codes marked `verify` were taken from memory of
 * RxNav and should be confirmed by a terminologist; a product-level code (SCD/SBD) is not
 * matched, and such a record falls back to "not found", which the report shows as a default
 * the clinician can override.
 */

import { RXNORM_SYSTEM } from '../platform/fhir/systems.ts';

export { RXNORM_SYSTEM };
export const ATC_SYSTEM = 'http://www.whocc.no/atc';

/** Statin ingredients (ATC C10AA). */
export const STATIN_RXNORM: Readonly<Record<string, string>> = {
  '83367': 'atorvastatin',
  '36567': 'simvastatin',
  '301542': 'rosuvastatin',
  '42463': 'pravastatin', // verify
  '6472': 'lovastatin', // verify
  '41127': 'fluvastatin', // verify
  '861634': 'pitavastatin', // verify
};

/** Blood-pressure-lowering ingredients (ATC C02, C03, C07, C08, C09). */
export const ANTIHYPERTENSIVE_RXNORM: Readonly<Record<string, string>> = {
  // ACE inhibitors (C09A)
  '35296': 'ramipril',
  '3827': 'enalapril',
  '29046': 'lisinopril',
  '54552': 'perindopril', // verify
  '1998': 'captopril', // verify
  // Angiotensin II receptor blockers (C09C)
  '52175': 'losartan', // verify
  '69749': 'valsartan', // verify
  '214354': 'candesartan', // verify
  '83818': 'irbesartan', // verify
  '73494': 'telmisartan', // verify
  '321064': 'olmesartan', // verify
  // Calcium channel blockers (C08)
  '17767': 'amlodipine',
  '7417': 'nifedipine', // verify
  '3443': 'diltiazem', // verify
  '11170': 'verapamil', // verify
  // Thiazide and thiazide-like diuretics (C03A, C03B)
  '5487': 'hydrochlorothiazide',
  '2409': 'chlorthalidone', // verify
  '5764': 'indapamide', // verify
  // Beta blockers (C07)
  '19484': 'bisoprolol', // verify
  '6918': 'metoprolol', // verify
  '1202': 'atenolol', // verify
  '20352': 'carvedilol', // verify
};

/** ATC prefixes per class (see the file comment). */
export const STATIN_ATC_PREFIXES: readonly string[] = ['C10AA'];
export const ANTIHYPERTENSIVE_ATC_PREFIXES: readonly string[] = ['C02', 'C03', 'C07', 'C08', 'C09'];
/**
 * Excluded from "blood pressure treated" although inside C03: aldosterone antagonists
 * (C03DA, spironolactone) are prescribed in aesthetic and dermatology practice for acne and
 * hirsutism, so their presence alone does not mean hypertension is being treated.
 */
export const ANTIHYPERTENSIVE_ATC_EXCLUDED: readonly string[] = ['C03DA'];

/** RxNorm ingredient codes of statins (the list the demo seed writes from). */
export const STATIN_CODES: readonly string[] = Object.keys(STATIN_RXNORM);
/** RxNorm ingredient codes of blood-pressure-lowering drugs. */
export const ANTIHYPERTENSIVE_CODES: readonly string[] = Object.keys(ANTIHYPERTENSIVE_RXNORM);

export type MedicationClass = 'statin' | 'antihypertensive';

interface CodingLike {
  readonly system?: string | undefined;
  readonly code?: string | undefined;
}

/** The class a coding belongs to, or undefined. Matches RxNorm ingredients and ATC prefixes. */
export function classOfCoding(coding: CodingLike): MedicationClass | undefined {
  const code = coding.code?.trim();
  if (!code) return undefined;
  if (coding.system === RXNORM_SYSTEM) {
    if (code in STATIN_RXNORM) return 'statin';
    if (code in ANTIHYPERTENSIVE_RXNORM) return 'antihypertensive';
    return undefined;
  }
  if (coding.system === ATC_SYSTEM) {
    const c = code.toUpperCase();
    if (STATIN_ATC_PREFIXES.some((p) => c.startsWith(p))) return 'statin';
    if (ANTIHYPERTENSIVE_ATC_EXCLUDED.some((p) => c.startsWith(p))) return undefined;
    if (ANTIHYPERTENSIVE_ATC_PREFIXES.some((p) => c.startsWith(p))) return 'antihypertensive';
  }
  return undefined;
}
