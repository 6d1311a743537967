/**
 * Varied synthetic intake responses for tests and the benchmark: deterministic (seeded),
 * pure, and valid against the shipped questionnaire for the given `asOf` (every date is in
 * the past, every value in range, every follow-up only where enableWhen opens it). A share of
 * them stop part-way, as real patients do.
 */
import type { QuestionnaireResponse } from '@medplum/fhirtypes';
import { createRng, type Rng } from '../platform/seed/prng.ts';
import { buildResponse, type Draft, type DraftValue } from './build-response.ts';
import type { QuestionnaireIndex } from './questionnaire-index.ts';
import { addMonths } from './dates.ts';
import { SHIPPED_INDEX } from './shipped-index.ts';

export interface SyntheticOptions {
  /** "Today": every generated date is on or before it. */
  readonly asOf: string;
  /** Share of responses that stop part-way (0-1); default 0.15. */
  readonly partialShare?: number;
  readonly index?: QuestionnaireIndex;
}

const codes = (index: QuestionnaireIndex, linkId: string): string[] => index.items.get(linkId)?.options.map((o) => o.code) ?? [];

/** A past date within `maxMonths` months of asOf, at a random precision (year, month or day). */
function pastDate(rng: Rng, asOf: string, maxMonths: number, minMonths = 0): string {
  const d = addMonths(asOf, -rng.int(minMonths, maxMonths), -rng.int(0, 27));
  const precision = rng.weighted([
    ['day', 6],
    ['month', 3],
    ['year', 1],
  ] as const);
  // A year or month precision date starts on or before the full date, so it stays in the past.
  return precision === 'day' ? d : precision === 'month' ? d.slice(0, 7) : d.slice(0, 4);
}

const FREE_MEDS = ['Hydroxychloroquine', 'Omega-3 fish oil', 'Vitamin D', 'Biotin', 'Sertraline', 'Lisinopril', 'Collagen supplement'];
const FREE_ALLERGENS = ['Nickel', 'Ibuprofen', 'Peanuts', 'Adhesive tape'];
const SURGERIES = ['Appendectomy', 'Caesarean section', 'Knee arthroscopy', 'Cholecystectomy', 'Tonsillectomy', 'Hernia repair'];
const PRODUCTS = ['Botox', 'Dysport', 'Juvederm Voluma', 'Restylane Lyft', 'Sculptra', 'Radiesse', ''];
const AREAS = ['Forehead', 'Lips', 'Cheeks', 'Under-eyes', 'Jawline', 'Neck', 'Full face'];
const MAIN = [
  'I look tired all the time and would like to look fresher.',
  'My lips have become thinner with age.',
  'Sun spots on my cheeks bother me.',
  'I want to age well and keep my skin healthy.',
  'Acne scars make me self-conscious.',
  'Las arrugas de la frente me hacen parecer enfadada.',
];

/** The answers of one synthetic patient. */
export function syntheticDraft(seed: number, options: SyntheticOptions): Draft {
  const index = options.index ?? SHIPPED_INDEX;
  const rng = createRng(seed);
  const asOf = options.asOf.slice(0, 10);
  const d: Record<string, DraftValue | DraftValue[] | Draft[]> = {};
  const pickSome = (linkId: string, max: number, exclude: string[] = []): string[] => rng.shuffle(codes(index, linkId).filter((c) => !exclude.includes(c))).slice(0, rng.int(1, max));
  const yes = (p: number): boolean => rng.chance(p);

  const age = rng.int(18, 85);
  const sex = rng.weighted([
    ['female', 75],
    ['male', 23],
    ['other', 2],
  ] as const);
  d['about.age'] = age;
  d['about.sex'] = sex;
  d['reason.concerns'] = pickSome('reason.concerns', 4);
  d['reason.main'] = rng.pick(MAIN);
  if (yes(0.8)) d['reason.duration'] = rng.pick(codes(index, 'reason.duration'));
  if (yes(0.8)) d['reason.expectation'] = rng.pick(codes(index, 'reason.expectation'));

  const conditions = yes(0.6) ? ['none'] : pickSome('pmh.conditions', 3, ['none']);
  d['pmh.conditions'] = conditions;
  if (conditions.includes('85828009') && yes(0.7)) d['pmh.autoimmune-detail'] = rng.pick(['Rheumatoid arthritis', 'Lupus', 'Hashimoto thyroiditis', 'Psoriatic arthritis']);
  d['pmh.surgery'] = yes(0.4);
  if (d['pmh.surgery']) d['pmh.surgeries'] = Array.from({ length: rng.int(1, 2) }, () => ({ 'pmh.surgeries.procedure': rng.pick(SURGERIES), ...(yes(0.7) ? { 'pmh.surgeries.date': pastDate(rng, asOf, 12 * Math.max(1, age - 18)) } : {}) }));

  d['med.any'] = yes(0.55);
  if (d['med.any']) {
    d['med.list'] = Array.from({ length: rng.int(1, 4) }, () => ({
      'med.list.name': yes(0.6) ? rng.pick(codes(index, 'med.list.name')) : rng.pick(FREE_MEDS),
      ...(yes(0.7) ? { 'med.list.dose': rng.pick(['10 mg daily', 'twice a day', '1 tablet at night', '500 mg']) } : {}),
      ...(yes(0.4) ? { 'med.list.reason': rng.pick(['blood pressure', 'thyroid', 'pain', 'skin', 'mood']) } : {}),
    }));
  }
  d['med.blood-thinner'] = yes(0.1);
  d['med.immunosuppressant'] = yes(0.05);
  d['allergy.any'] = yes(0.3);
  if (d['allergy.any']) {
    d['allergy.list'] = Array.from({ length: rng.int(1, 2) }, () => ({
      'allergy.list.substance': yes(0.7) ? rng.pick(codes(index, 'allergy.list.substance')) : rng.pick(FREE_ALLERGENS),
      ...(yes(0.6) ? { 'allergy.list.reaction': rng.pick(['Rash', 'Swelling', 'Hives', 'Breathing difficulty']) } : {}),
    }));
  }
  for (const f of ['fhx.melanoma', 'fhx.skin-cancer', 'fhx.early-cvd', 'fhx.diabetes']) {
    d[f] = yes(f === 'fhx.diabetes' ? 0.3 : 0.12);
    if (d[f]) d[`${f}-who`] = pickSome(`${f}-who`, 2);
  }

  const smoking = rng.weighted([
    ['266919005', 55],
    ['449868002', 15],
    ['428041000124106', 8],
    ['8517006', 22],
  ] as const);
  d['social.smoking'] = smoking;
  if (smoking !== '266919005') {
    d['social.cigarettes-per-day'] = rng.int(1, 40);
    d['social.smoking-years'] = rng.int(1, Math.max(1, age - 14));
    if (smoking === '8517006' && yes(0.7)) d['social.quit-date'] = pastDate(rng, asOf, 12 * 20);
  }
  const alcohol = rng.pick(codes(index, 'social.alcohol'));
  d['social.alcohol'] = alcohol;
  if (alcohol !== 'LA6270-8' && yes(0.8)) d['social.drinks-per-week'] = rng.int(1, 25);
  d['social.sun-exposure'] = rng.pick(codes(index, 'social.sun-exposure'));
  if (yes(0.8)) d['social.sunscreen'] = rng.pick(codes(index, 'social.sunscreen'));
  d['social.sunburns'] = rng.pick(codes(index, 'social.sunburns'));
  d['social.tanning-beds'] = yes(0.2);
  if (yes(0.6)) d['social.occupation'] = rng.pick(['Teacher', 'Nurse', 'Gardener', 'Engineer', 'Retired', 'Lifeguard', 'Lawyer']);

  d['skin.mole-change'] = yes(0.08);
  if (d['skin.mole-change']) {
    d['skin.mole-change-how'] = pickSome('skin.mole-change-how', 3);
    if (yes(0.7)) d['skin.mole-change-where'] = rng.pick(['Back', 'Left shoulder', 'Right calf', 'Cheek']);
  }
  d['skin.cancer'] = yes(0.07);
  if (d['skin.cancer']) {
    d['skin.cancer-type'] = pickSome('skin.cancer-type', 2);
    if (yes(0.6)) d['skin.cancer-date'] = pastDate(rng, asOf, 12 * 15);
  }
  if (yes(0.7)) d['skin.conditions'] = yes(0.6) ? ['none'] : pickSome('skin.conditions', 2, ['none']);
  d['skin.keloid'] = yes(0.05);
  d['skin.cold-sores'] = rng.weighted([
    ['cold-sores-never', 60],
    ['cold-sores-occasional', 28],
    ['cold-sores-frequent', 9],
    ['cold-sores-active', 3],
  ] as const);
  if (yes(0.8)) d['skin.acne'] = rng.pick(codes(index, 'skin.acne'));
  d['skin.isotretinoin'] = yes(0.04);
  if (d['skin.isotretinoin']) {
    d['skin.isotretinoin-ongoing'] = yes(0.4);
    if (!d['skin.isotretinoin-ongoing']) d['skin.isotretinoin-stop'] = addMonths(asOf, -rng.int(0, 5), -rng.int(0, 20));
  }

  d['aesthetic.any'] = yes(0.5);
  if (d['aesthetic.any']) {
    d['aesthetic.treatments'] = Array.from({ length: rng.int(1, 3) }, () => {
      const complication = yes(0.1);
      const product = rng.pick(PRODUCTS);
      return {
        'aesthetic.treatments.type': rng.pick(codes(index, 'aesthetic.treatments.type')),
        ...(product ? { 'aesthetic.treatments.product': product } : {}),
        ...(yes(0.7) ? { 'aesthetic.treatments.area': rng.pick(AREAS) } : {}),
        ...(yes(0.8) ? { 'aesthetic.treatments.date': pastDate(rng, asOf, 60) } : {}),
        'aesthetic.treatments.complication': complication,
        ...(complication ? { 'aesthetic.treatments.complication-detail': rng.pick(['Bruising for two weeks', 'A lump', 'Asymmetry', 'Swelling']) } : {}),
      };
    });
  }
  if (sex === 'female') {
    const pregnant = age > 50 ? 'no' : rng.weighted([
      ['no', 90],
      ['yes', 5],
      ['unsure', 5],
    ] as const);
    d['women.pregnant'] = pregnant;
    d['women.breastfeeding'] = age < 45 && yes(0.06);
    if (pregnant === 'no' && yes(0.8)) d['women.contraception'] = rng.pick(codes(index, 'women.contraception'));
    if (yes(0.8)) d['women.menopause'] = age < 45 ? 'menopause-pre' : age < 55 ? 'menopause-peri' : 'menopause-post';
  }
  d['onc.any'] = yes(0.08);
  if (d['onc.any']) {
    d['onc.episodes'] = [
      {
        'onc.episodes.diagnosis': yes(0.85) ? rng.pick(codes(index, 'onc.episodes.diagnosis')) : 'Thyroid cancer',
        ...(yes(0.8) ? { 'onc.episodes.date': pastDate(rng, asOf, 120, 24) } : {}),
        'onc.episodes.treatment': Array.from({ length: rng.int(1, 3) }, () => {
          const ongoing = yes(0.2);
          const start = addMonths(asOf, -rng.int(12, 23));
          return {
            'onc.episodes.treatment.type': rng.pick(codes(index, 'onc.episodes.treatment.type')),
            'onc.episodes.treatment.start': start,
            'onc.episodes.treatment.ongoing': ongoing,
            ...(ongoing ? {} : { 'onc.episodes.treatment.end': addMonths(start, rng.int(0, 10)) }),
          };
        }),
      },
    ];
  }
  for (const [q, f] of [
    ['cv.chest-pain', 'cv.chest-pain-exertion'],
    ['cv.breathless', 'cv.breathless-exertion'],
  ] as const) {
    d[q] = yes(0.07);
    if (d[q]) d[f] = yes(0.5);
  }
  d['cv.palpitations'] = yes(0.08);
  d['cv.high-bp'] = yes(age > 50 ? 0.35 : 0.1);
  d['cv.high-cholesterol'] = yes(age > 50 ? 0.3 : 0.08);
  d['cv.diabetes'] = yes(age > 50 ? 0.12 : 0.03);
  if (yes(0.7)) {
    d['cv.bp-known'] = yes(0.5);
    if (d['cv.bp-known']) {
      const sys = rng.int(100, 175);
      d['cv.bp.systolic'] = sys;
      d['cv.bp.diastolic'] = rng.int(60, Math.min(110, sys - 20));
      if (yes(0.6)) d['cv.bp.date'] = pastDate(rng, asOf, 12);
    }
  }
  for (const linkId of index.items.get('fitz')?.children ?? []) d[linkId] = rng.pick(codes(index, linkId));
  const concern = rng.next() < 0.1 ? 2 : 0; // about 1 in 10 leans to higher dysmorphic concern
  for (const linkId of index.items.get('dcq')?.children ?? []) d[linkId] = `dcq-${Math.min(3, rng.int(0, 1) + (concern && rng.chance(0.8) ? concern : 0))}`;

  // Some patients stop part-way: keep only the answers before a random point in the form.
  if (rng.chance(options.partialShare ?? 0.15)) {
    const cut = rng.int(Math.floor(index.order.length * 0.2), Math.floor(index.order.length * 0.8));
    const kept = new Set(index.order.slice(0, cut));
    for (const key of Object.keys(d)) if (!kept.has(key)) delete d[key];
  }
  return d;
}

/** A synthetic QuestionnaireResponse (id `synthetic-<seed>`, subject `Patient/synthetic-<seed>`). */
export function syntheticResponse(seed: number, options: SyntheticOptions): QuestionnaireResponse {
  const index = options.index ?? SHIPPED_INDEX;
  const draft = syntheticDraft(seed, options);
  // The last item is always answered unless the patient stopped part-way.
  const partial = draft[index.order[index.order.length - 1] ?? ''] === undefined;
  return buildResponse(draft, index, { id: `synthetic-${seed}`, subject: `Patient/synthetic-${seed}`, status: partial ? 'in-progress' : 'completed', authored: options.asOf });
}
