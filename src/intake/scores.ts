/**
 * Scores computed from the intake: Fitzpatrick skin type, the Dysmorphic Concern
 * Questionnaire screen, and smoking pack-years. "Cannot judge" is a value: a score whose
 * items are not all answered comes back `status: 'incomplete'` naming what is missing.
 *
 * Sources:
 * - Fitzpatrick TB. The validity and practicality of sun-reactive skin types I through VI.
 *   Arch Dermatol 1988;124(6):869-871. The 10-question self-assessment (genetic disposition,
 *   reaction to sun, tanning habits; each answer 0-4, total 0-40) is the widely reproduced
 *   adaptation of Fitzpatrick's classification; its bands 0-6 I, 7-13 II, 14-20 III,
 *   21-27 IV, 28-34 V, 35-40 VI are those of that sheet (content/intake/README.md).
 * - Dysmorphic Concern Questionnaire: Oosthuizen P, Lambert T, Castle DJ. Dysmorphic concern:
 *   prevalence and associations with clinical variables. Aust N Z J Psychiatry
 *   1998;32(1):129-132. Seven items scored 0-3 (total 0-21). Cut-off >= 9 for a positive BDD
 *   screen: Mancuso SG, Knoesen NP, Castle DJ. The Dysmorphic Concern Questionnaire: a
 *   screening measure for body dysmorphic disorder. Aust N Z J Psychiatry 2010;44(6):535-542
 *   (96.4% of BDD patients and 90.6% of controls correctly classified).
 * - Pack-years = (cigarettes per day / 20) x years smoked: the standard definition (e.g. US
 *   National Cancer Institute Dictionary of Cancer Terms, "pack year").
 */
import { itemOf, optionFor, type QuestionnaireIndex, type Text } from './questionnaire-index.ts';
import { codingOf, intOf, type ResponseView } from './response-view.ts';

export const FITZPATRICK_ITEMS = [
  'fitz.eyes',
  'fitz.hair',
  'fitz.skin-colour',
  'fitz.freckles',
  'fitz.burn',
  'fitz.tan-degree',
  'fitz.tan-hours',
  'fitz.face',
  'fitz.last-exposure',
  'fitz.face-exposure',
] as const;
export const DCQ_ITEMS = ['dcq.1', 'dcq.2', 'dcq.3', 'dcq.4', 'dcq.5', 'dcq.6', 'dcq.7'] as const;
/** Mancuso 2010: a DCQ total of 9 or more is a positive screen. */
export const DCQ_CUTOFF = 9;

export type FitzpatrickType = 'I' | 'II' | 'III' | 'IV' | 'V' | 'VI';

/** Upper bound of each type's score band (Fitzpatrick self-assessment sheet). */
const FITZPATRICK_BANDS: readonly [number, FitzpatrickType][] = [
  [6, 'I'],
  [13, 'II'],
  [20, 'III'],
  [27, 'IV'],
  [34, 'V'],
  [40, 'VI'],
];

export const FITZPATRICK_DESCRIPTIONS: Record<FitzpatrickType, Text> = {
  I: { en: 'always burns, never tans', es: 'siempre se quema, nunca se broncea' },
  II: { en: 'usually burns, tans minimally', es: 'casi siempre se quema, se broncea poco' },
  III: { en: 'sometimes burns, tans uniformly', es: 'a veces se quema, se broncea de forma uniforme' },
  IV: { en: 'rarely burns, tans easily', es: 'rara vez se quema, se broncea con facilidad' },
  V: { en: 'very rarely burns, tans very easily', es: 'muy rara vez se quema, se broncea con mucha facilidad' },
  VI: { en: 'never burns, deeply pigmented', es: 'nunca se quema, piel muy pigmentada' },
};

export interface Incomplete {
  readonly status: 'incomplete';
  readonly missing: readonly string[];
  readonly linkIds: readonly string[];
}

export interface FitzpatrickScore {
  readonly status: 'scored';
  readonly total: number;
  readonly type: FitzpatrickType;
  readonly linkIds: readonly string[];
  readonly source: string;
}

export interface DcqScore {
  readonly status: 'scored';
  readonly total: number;
  readonly positive: boolean;
  readonly cutoff: number;
  readonly linkIds: readonly string[];
  readonly source: string;
}

export interface PackYears {
  readonly status: 'scored';
  readonly packYears: number;
  readonly cigarettesPerDay: number;
  readonly years: number;
  readonly linkIds: readonly string[];
}

export interface IntakeScores {
  readonly fitzpatrick: FitzpatrickScore | Incomplete;
  readonly dcq: DcqScore | Incomplete;
  /** Absent for never-smokers. */
  readonly packYears: PackYears | Incomplete | undefined;
}

export const FITZPATRICK_SOURCE = 'Fitzpatrick TB. Arch Dermatol 1988;124:869-871 (10-item self-assessment, bands 0-6/7-13/14-20/21-27/28-34/35-40)';
export const DCQ_SOURCE = 'Dysmorphic Concern Questionnaire (Oosthuizen 1998); positive at >= 9 (Mancuso 2010, Aust N Z J Psychiatry 44:535-542)';

/** The Fitzpatrick type for a total score 0-40. */
export function fitzpatrickType(total: number): FitzpatrickType {
  if (!Number.isInteger(total) || total < 0 || total > 40) throw new RangeError(`Fitzpatrick total ${total} outside 0-40`);
  return FITZPATRICK_BANDS.find(([max]) => total <= max)![1];
}

function sumOrdinals(view: ResponseView, index: QuestionnaireIndex, linkIds: readonly string[]): { total: number; missing: string[] } {
  let total = 0;
  const missing: string[] = [];
  for (const linkId of linkIds) {
    const option = optionFor(itemOf(index, linkId), codingOf(view.root, linkId));
    if (option?.ordinal === undefined) missing.push(linkId);
    else total += option.ordinal;
  }
  return { total, missing };
}

export function scoreFitzpatrick(view: ResponseView, index: QuestionnaireIndex): FitzpatrickScore | Incomplete {
  const { total, missing } = sumOrdinals(view, index, FITZPATRICK_ITEMS);
  if (missing.length) return { status: 'incomplete', missing, linkIds: FITZPATRICK_ITEMS.filter((l) => !missing.includes(l)) };
  return { status: 'scored', total, type: fitzpatrickType(total), linkIds: [...FITZPATRICK_ITEMS], source: FITZPATRICK_SOURCE };
}

export function scoreDcq(view: ResponseView, index: QuestionnaireIndex): DcqScore | Incomplete {
  const { total, missing } = sumOrdinals(view, index, DCQ_ITEMS);
  if (missing.length) return { status: 'incomplete', missing, linkIds: DCQ_ITEMS.filter((l) => !missing.includes(l)) };
  return { status: 'scored', total, positive: total >= DCQ_CUTOFF, cutoff: DCQ_CUTOFF, linkIds: [...DCQ_ITEMS], source: DCQ_SOURCE };
}

/** Pack-years = cigarettes per day / 20 x years smoked, rounded to one decimal. */
export function packYears(cigarettesPerDay: number, years: number): number {
  return Math.round((cigarettesPerDay / 20) * years * 10) / 10;
}

export function scorePackYears(view: ResponseView): PackYears | Incomplete | undefined {
  const status = codingOf(view.root, 'social.smoking')?.code;
  if (status === undefined || status === '266919005') return undefined;
  const perDay = intOf(view.root, 'social.cigarettes-per-day');
  const years = intOf(view.root, 'social.smoking-years');
  const missing = [...(perDay === undefined ? ['social.cigarettes-per-day'] : []), ...(years === undefined ? ['social.smoking-years'] : [])];
  if (perDay === undefined || years === undefined) {
    return { status: 'incomplete', missing, linkIds: ['social.smoking', ...(perDay !== undefined ? ['social.cigarettes-per-day'] : []), ...(years !== undefined ? ['social.smoking-years'] : [])] };
  }
  return { status: 'scored', packYears: packYears(perDay, years), cigarettesPerDay: perDay, years, linkIds: ['social.smoking', 'social.cigarettes-per-day', 'social.smoking-years'] };
}

export function scoreIntake(view: ResponseView, index: QuestionnaireIndex): IntakeScores {
  return { fitzpatrick: scoreFitzpatrick(view, index), dcq: scoreDcq(view, index), packYears: scorePackYears(view) };
}
