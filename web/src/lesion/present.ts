/**
 * Pure helpers behind the lesion screens: probabilities and confidence intervals in the
 * reader's locale, the uncertainty said in words, the order of the probability bars, and
 * the checks of what a user types. No clinical logic: the server analyses and suggests;
 * these only lay out what it answered.
 */
import type { LesionAction, LesionClass } from '../../../src/lesion/model-card.ts';
import { formatNumber } from '../fhir/display.ts';
import type { LesionFeatures, RejectionReason, Uncertainty } from '../../../src/lesion/types.ts';
import { parseNote } from '../../../src/lesion/notes.ts';

/** A translate function (i18next's `t`, loosened so pure code can take it). */
export type Translate = (key: string, params?: Record<string, unknown>) => string;

/**
 * The seven HAM10000 classes in the model's order. model-card.ts holds the runtime list but
 * imports node:crypto, which a browser bundle cannot; the check below fails to compile if
 * this copy ever misses a class the server knows.
 */
export const LESION_CLASS_CODES = ['mel', 'nv', 'bcc', 'akiec', 'bkl', 'df', 'vasc'] as const satisfies readonly LesionClass[];
type MissingClass = Exclude<LesionClass, (typeof LESION_CLASS_CODES)[number]>;
const everyClassListed: [MissingClass] extends [never] ? true : never = true;
void everyClassListed;

/** What a clinician may answer as a diagnosis: one of the classes, or something else. */
export const DIAGNOSIS_CHOICES = [...LESION_CLASS_CODES, 'other'] as const;
export type DiagnosisChoice = (typeof DIAGNOSIS_CHOICES)[number];

/** The actions, most urgent first (the same list as the server's LESION_ACTIONS). */
export const LESION_ACTION_CODES = ['refer', 'monitor', 'benign-appearing'] as const satisfies readonly LesionAction[];
type MissingAction = Exclude<LesionAction, (typeof LESION_ACTION_CODES)[number]>;
const everyActionListed: [MissingAction] extends [never] ? true : never = true;
void everyActionListed;

/** Malignant classes (HAM10000 grouping, Tschandl et al., Sci Data 2018): mel, bcc, akiec. */
export const MALIGNANT_CLASSES: readonly LesionClass[] = ['mel', 'bcc', 'akiec'];

export const CONFIDENCE_LEVELS = ['low', 'medium', 'high'] as const;
export type Confidence = (typeof CONFIDENCE_LEVELS)[number];

/**
 * A probability (0..1) as a percent in the locale. One decimal below 10 % (where a tenth of
 * a point matters next to the operating points), none above; tiny values say "< 0.1%"
 * rather than a misleading "0.0%".
 */
export function formatProbability(p: number, locale: string): string {
  if (!Number.isFinite(p)) return '—';
  const clamped = Math.min(1, Math.max(0, p));
  if (clamped > 0 && clamped < 0.001) {
    return `< ${new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(0.001)}`;
  }
  const digits = clamped < 0.1 ? 1 : 0;
  return new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(clamped);
}

/** A proportion (sensitivity, specificity, agreement) as a percent with one decimal. */
export function formatRate(p: number | null | undefined, locale: string): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  return new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(p);
}

/** A 95% confidence interval of a proportion: "88.3–95.1%" ("88,3–95,1 %"); null when unknown. */
export function formatCi(ci: readonly [number, number] | null | undefined, locale: string): string | null {
  if (!ci) return null;
  const [lo, hi] = ci;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  const num = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  // The percent sign goes where the locale puts it ("95,1 %" in Spanish).
  const hiText = formatRate(hi, locale);
  return `${num.format(lo * 100)}–${hiText}`;
}

/** A rate with its interval, e.g. "92.4% (95% CI 88.3–95.1%)"; the CI label comes from `t`. */
export function rateWithCi(p: number | null | undefined, ci: readonly [number, number] | null | undefined, locale: string, t: Translate): string {
  const rate = formatRate(p, locale);
  const interval = formatCi(ci, locale);
  return interval ? `${rate} (${t('lesion.ci', { interval })})` : rate;
}

/** An AUC (unitless, 0..1) with three decimals and its interval: "0.846 (95% CI 0.812–0.874)". */
export function aucWithCi(auc: { value: number; ci95: readonly [number, number] } | null | undefined, locale: string, t: Translate): string {
  if (!auc) return '—';
  const num = new Intl.NumberFormat(locale, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  const interval = `${num.format(auc.ci95[0])}–${num.format(auc.ci95[1])}`;
  return `${num.format(auc.value)} (${t('lesion.ci', { interval })})`;
}

/** One bar of the probability chart. */
export interface ProbabilityBar {
  code: LesionClass;
  /** 0..1. */
  value: number;
  /** 0..100, for a progress bar. */
  percent: number;
  malignant: boolean;
}

/**
 * All seven classes as bars, most probable first (ties keep the model's order) so the
 * eye lands on what the model leans to; classes missing from the answer count as 0.
 */
export function probabilityBars(probabilities: Partial<Record<LesionClass, number>>): ProbabilityBar[] {
  return LESION_CLASS_CODES.map((code, i) => {
    const raw = probabilities[code];
    const value = typeof raw === 'number' && Number.isFinite(raw) ? Math.min(1, Math.max(0, raw)) : 0;
    return { code, value, percent: Math.round(value * 1000) / 10, malignant: MALIGNANT_CLASSES.includes(code), i };
  })
    .sort((a, b) => b.value - a.value || a.i - b.i)
    .map(({ i: _i, ...bar }) => bar);
}

/**
 * The test-time-augmentation uncertainty in words: the level, the spread of the melanoma
 * probability across views, and a warning when the views disagree about the action.
 */
export function uncertaintyText(u: Uncertainty, locale: string, t: Translate): string[] {
  const lines = [t(`lesion.uncertainty.level.${u.level}`)];
  if (u.views > 1) {
    lines.push(
      t('lesion.uncertainty.range', {
        views: u.views,
        low: formatProbability(u.melanomaRange[0], locale),
        high: formatProbability(u.melanomaRange[1], locale),
      }),
    );
  } else {
    lines.push(t('lesion.uncertainty.single'));
  }
  if (u.crossesOperatingPoint) lines.push(t('lesion.uncertainty.crosses'));
  return lines;
}

/** The longest diameter: "6.2 mm (124 px)" when the scale is known, else "124 px". */
export function diameterText(f: Pick<LesionFeatures, 'diameterPx' | 'diameterMm'>, locale: string): string {
  const px = `${new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(f.diameterPx)} px`;
  if (f.diameterMm === null || !Number.isFinite(f.diameterMm)) return px;
  return `${new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(f.diameterMm)} mm (${px})`;
}

/** A number with a sign and fixed decimals ("+1.2", "−0.4", "0.0"): how much something changed. */
export function formatChange(delta: number, locale: string, digits = 1): string {
  if (!Number.isFinite(delta)) return '—';
  return new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits, signDisplay: 'exceptZero' }).format(delta);
}

/** A change of probability in percentage points ("+12.5 pp"). */
export function formatProbabilityChange(delta: number, locale: string): string {
  return `${formatChange(delta * 100, locale, 1)} pp`;
}

/** The pixels-per-mm a user typed: empty is "not known", else a positive number (comma or point). */
export function parsePixelsPerMm(text: string): { ok: true; value: number | undefined } | { ok: false } {
  const s = text.trim();
  if (s === '') return { ok: true, value: undefined };
  if (!/^\d+([.,]\d+)?$/.test(s)) return { ok: false };
  const n = Number(s.replace(',', '.'));
  // Dermoscopes image 10-25 mm fields on a few thousand pixels: 1..1000 px/mm covers them all.
  if (!Number.isFinite(n) || n < 1 || n > 1000) return { ok: false };
  return { ok: true, value: n };
}

/** Whether the role sees AI output at all (nurses capture images but never see the AI's answer). */
export function seesAi(role: string | undefined): boolean {
  return role === 'clinician' || role === 'admin';
}

/** One failed quality measurement, as the server reports it (views.ts qualityCheck). */
export interface FailedCheck {
  name: string;
  value: number;
  limit: number;
  kind: 'min' | 'max';
}

/**
 * A failed quality measurement in the user's words, e.g. "sharpness 12 (needs at least 40)"
 * or "nitidez 12 (necesita al menos 40)". A measure this app does not know keeps the
 * server's name, so a new check still reads sensibly.
 */
export function checkText(c: FailedCheck, t: Translate, has: (key: string) => boolean, lang: string): string {
  const key = `lesion.reject.checks.${c.name}`;
  const name = has(key) ? t(key) : c.name.replace(/-/g, ' ');
  const digits = Math.abs(c.limit) < 1 || Math.abs(c.value) < 1 ? 3 : 0;
  return t(c.kind === 'min' ? 'lesion.reject.needsAtLeast' : 'lesion.reject.allowedAtMost', {
    name,
    value: formatNumber(c.value, lang, digits),
    limit: formatNumber(c.limit, lang, digits),
  });
}

/**
 * A picture note ("downscaled from 4000×3000 for analysis") in the reader's language; a
 * sentence the server's notes.ts did not write shows as the server said it.
 */
export function noteSentence(text: string, t: Translate, lang: string): string {
  const note = parseNote(text);
  if (!note) return text;
  const n = (v: number) => formatNumber(v, lang, 0);
  switch (note.kind) {
    case 'reduced-bit-depth':
      return t('lesion.notes.reduced-bit-depth', { bits: note.bits === '16' ? '16' : t('lesion.notes.highBits') });
    case 'alpha-flattened':
      return t('lesion.notes.alpha-flattened', { transparent: note.transparent.replace('.', lang.startsWith('es') ? ',' : '.') });
    case 'downscaled':
      return t('lesion.notes.downscaled', { width: n(note.width), height: n(note.height) });
    case 'field-of-view':
      return t('lesion.notes.field-of-view', { width: n(note.width), height: n(note.height), ofWidth: n(note.ofWidth), ofHeight: n(note.ofHeight) });
    default:
      return t(`lesion.notes.${note.kind}`);
  }
}

/** The translation key of a rejection reason's retake guidance. */
export function retakeKey(reason: RejectionReason): string {
  return `lesion.reject.${reason}`;
}

/**
 * Which calibration is in force, in words: the model card's own, or a clinic version
 * ("clinic v2"); anything else shows as the server said it.
 */
export function calibrationSourceText(source: string, t: Translate): string {
  if (source === 'model-card') return t('lesion.calibrationSource.card');
  const m = /^clinic v(\d+)$/.exec(source);
  return m ? t('lesion.calibrationSource.clinic', { version: Number(m[1]) }) : source;
}

/** The colour of an exam status badge. */
export function statusColor(status: string): string {
  switch (status) {
    case 'awaiting-impression':
      return 'yellow';
    case 'revealed':
      return 'blue';
    case 'signed':
      return 'teal';
    case 'cannot-assess':
      return 'orange';
    default:
      return 'gray';
  }
}

/** The colour of a suggested action. */
export function actionColor(action: LesionAction): string {
  return action === 'refer' ? 'red' : action === 'monitor' ? 'orange' : 'teal';
}

/**
 * Whether the clinic's own operating point may be adopted: only with at least `minimum`
 * confirmed cases; otherwise how many more are needed.
 */
export function adoptionState(confirmedCases: number, minimum: number): { allowed: true } | { allowed: false; missing: number } {
  if (confirmedCases >= minimum) return { allowed: true };
  return { allowed: false, missing: Math.max(0, minimum - confirmedCases) };
}

/** A melanoma-probability threshold the admin typed as a percent ("10.5", "10,5", "10.5%"): 0 < p < 100. */
export function parseThresholdPercent(text: string): number | undefined {
  const s = text.trim().replace(',', '.').replace(/\s*%$/, '');
  if (!/^\d+(\.\d+)?$/.test(s)) return undefined;
  const n = Number(s);
  return n > 0 && n < 100 ? n / 100 : undefined;
}
