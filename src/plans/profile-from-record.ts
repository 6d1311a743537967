/**
 * The plan profile from the patient's record. PURE: FHIR resources, the intake outcome and
 * the cardiovascular risk report in; the engine's `PlanProfileInput`, where every value came
 * from (`sources`) and what the record lacks (`missing`) out. No database, no clock: the
 * plan date `asOf` is passed in.
 *
 * It never guesses: a code it does not know maps to the vocabulary's `other` (medications,
 * allergies) or is left out and listed in `missing` (goals, sex); stale facts (a pregnancy
 * status older than a pregnancy lasts) are not used and are listed in `missing`.
 */
import type {
  AllergyIntolerance,
  CodeableConcept,
  Coding,
  Condition,
  Goal,
  MedicationStatement,
  Observation,
  Patient,
  Procedure,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  RiskAssessment,
} from '@medplum/fhirtypes';
import { STATIN_RXNORM, ANTIHYPERTENSIVE_RXNORM } from '../risk/medication-classes.ts';
import type { KnowledgeBase } from './kb/schema.ts';
import type { PlanProfileInput } from './profile.ts';
import type { ProfileGenetics } from './profile.ts';
import { LOINC_SYSTEM, RXNORM_SYSTEM, SNOMED_SYSTEM } from '../platform/fhir/systems.ts';

/** One profile value and the record entry it came from. */
export interface Sourced {
  readonly field: string;
  readonly value: unknown;
  readonly source: { readonly resourceType?: string; readonly resourceId?: string; readonly date?: string; readonly display: string };
}

export interface ProfileFromRecord {
  readonly input: PlanProfileInput;
  readonly sources: Sourced[];
  /** Profile fields the record could not fill (or filled only with a stale or unknown value). */
  readonly missing: string[];
}

/** The intake outcome the intake service reports (only what the plan uses). */
export interface IntakeFacts {
  readonly questionnaireResponse: QuestionnaireResponse;
  readonly scores: {
    readonly fitzpatrick: { readonly status: 'scored'; readonly type: string; readonly total: number } | { readonly status: 'incomplete' };
    readonly dcq: { readonly status: 'scored'; readonly total: number; readonly positive: boolean } | { readonly status: 'incomplete' };
  };
}

/** A cardiovascular risk result as the risk service reports it (ModelResultJson, narrowed). */
export interface RiskResultFacts {
  readonly model: { readonly id: string; readonly name: string };
  readonly horizonYears?: number;
  readonly riskPercent?: number;
  readonly category?: { readonly code: string; readonly label: string } | null;
  readonly refused?: unknown;
  readonly explanation?: { readonly contributions: readonly { readonly factor: string; readonly actual: string; readonly attributedPercentPoints: number }[] };
}

export interface RiskFacts {
  readonly asOf: string;
  readonly results: readonly RiskResultFacts[];
}

/** The stored genetics panel (an Observation written by the plans service). */
export interface GeneticsFacts {
  readonly observationId: string;
  readonly date?: string | undefined;
  readonly panel: ProfileGenetics;
}

export interface PatientRecordForPlan {
  readonly patient: Patient;
  readonly observations: readonly Observation[];
  readonly conditions: readonly Condition[];
  readonly medications: readonly MedicationStatement[];
  readonly allergies: readonly AllergyIntolerance[];
  readonly procedures: readonly Procedure[];
  readonly goals: readonly Goal[];
  readonly riskAssessments: readonly RiskAssessment[];
  readonly intake?: IntakeFacts | undefined;
  readonly risk?: RiskFacts | undefined;
  /** Present only when the patient's genetics consent holds (the service checks). */
  readonly genetics?: GeneticsFacts | undefined;
}

const LOINC = LOINC_SYSTEM;
const SCT = SNOMED_SYSTEM;
const RXNORM = RXNORM_SYSTEM;
const WELLAGE_CS = 'https://wellage.dev/fhir/CodeSystem';
/** LOINC 66555-4 Skin type [Fitzpatrick Classification Scale]. */
const LOINC_FITZPATRICK = '66555-4';
/** LOINC 82810-3 Pregnancy status; LOINC 63895-7 Breastfeeding status. */
const LOINC_PREGNANCY = '82810-3';
const LOINC_BREASTFEEDING = '63895-7';
/** SNOMED CT 77386006 Pregnant. */
const SCT_PREGNANT = '77386006';
/** A pregnancy status older than a full-term pregnancy (40 weeks) no longer says anything about today. */
const PREGNANCY_STALE_DAYS = 280;
const FITZ = ['I', 'II', 'III', 'IV', 'V', 'VI'] as const;

/**
 * Medication classes by RxNorm ingredient. Anticoagulants and antiplatelets raise bruising
 * and bleeding with injectables; tetracyclines are photosensitizing (SmPC); the statin and
 * antihypertensive lists are the risk capability's.
 */
const MED_CLASS_BY_RXNORM: Readonly<Record<string, string>> = {
  '6064': 'isotretinoin',
  '11289': 'anticoagulant', // warfarin
  '1364430': 'anticoagulant', // apixaban
  '1114195': 'anticoagulant', // rivaroxaban
  '1037042': 'anticoagulant', // dabigatran etexilate
  '1599538': 'anticoagulant', // edoxaban
  '5224': 'anticoagulant', // heparin
  '1191': 'antiplatelet', // aspirin
  '32968': 'antiplatelet', // clopidogrel
  '3640': 'photosensitizing', // doxycycline
  '10395': 'photosensitizing', // tetracycline
  '6922': 'photosensitizing', // minocycline
  '8640': 'systemic-corticosteroid', // prednisone
  '8638': 'systemic-corticosteroid', // prednisolone
  '6851': 'immunosuppressant', // methotrexate
  '3008': 'immunosuppressant', // cyclosporine
  ...Object.fromEntries(Object.keys(STATIN_RXNORM).map((c) => [c, 'statin'])),
  ...Object.fromEntries(Object.keys(ANTIHYPERTENSIVE_RXNORM).map((c) => [c, 'antihypertensive'])),
};

/** Free-text fallbacks (a medication typed into the intake), lower-case substrings. */
const MED_CLASS_BY_TEXT: readonly [RegExp, string][] = [
  [/isotretino/, 'isotretinoin'],
  [/warfarin|apixaban|rivaroxaban|dabigatran|edoxaban|heparin|acenocoumarol|sintrom/, 'anticoagulant'],
  [/aspirin|clopidogrel|ticagrelor|prasugrel/, 'antiplatelet'],
  [/doxycyclin|minocyclin|tetracyclin/, 'photosensitizing'],
  [/prednis|dexamethason|methylprednis/, 'systemic-corticosteroid'],
  [/methotrexat|ciclospor|cyclospor|azathioprin|tacrolimus|mycophenol/, 'immunosuppressant'],
];

/** Conditions by SNOMED CT code. Melanoma is handled apart (active cancer or oncology history). */
const CONDITION_BY_SCT: Readonly<Record<string, string>> = {
  '398909004': 'rosacea',
  '24079001': 'atopic-dermatitis',
  '22298006': 'cardiovascular-disease',
  '414545008': 'cardiovascular-disease', // ischaemic heart disease
  '230690007': 'cardiovascular-disease', // stroke
  '266996003': 'vitiligo', // verify
  '200938002': 'herpes-labialis-recurrent', // verify
};
const SCT_MELANOMA = '372244006';
/** SNOMED CT 440258006 Excision of skin (the demo's wide local excision). */
const SCT_EXCISION = '440258006';

/** Allergy substances by SNOMED CT code. */
const INGREDIENT_BY_SCT: Readonly<Record<string, string>> = {
  '387480006': 'lidocaine',
};

/** SNOMED CT body structures onto the knowledge base's sites. */
const SITE_BY_SCT: Readonly<Record<string, string>> = {
  '89545001': 'face',
  '77568009': 'trunk',
  '22943007': 'trunk',
  '53120007': 'limbs',
  '61685007': 'limbs',
  '69536005': 'scalp',
  '45048000': 'neck',
};

/** The demo's goal codes (GOAL_SYSTEM) onto the concern taxonomy; `null`: covered by every plan. */
const GOAL_CONCERNS: Readonly<Record<string, { concern: string; area?: string } | null>> = {
  'soften-dynamic-lines': { concern: 'dynamic-lines', area: 'forehead' },
  'restore-volume': { concern: 'volume-loss', area: 'cheek' },
  'even-skin-tone': { concern: 'pigmentation', area: 'face' },
  'improve-texture': { concern: 'texture-pores' },
  'reduce-redness': { concern: 'rosacea-redness' },
  'clear-acne': { concern: 'acne', area: 'face' },
  'healthy-aging': { concern: 'well-aging' },
  'heart-health': { concern: 'well-aging' },
  'skin-check': null, // every plan carries a skin-check interval
};

/** The intake's `reason.concerns` answers onto the concern taxonomy. */
const INTAKE_CONCERNS: Readonly<Record<string, { concern: string; area?: string } | null>> = {
  'concern-forehead-lines': { concern: 'dynamic-lines', area: 'forehead' },
  'concern-frown-lines': { concern: 'dynamic-lines', area: 'glabella' },
  'concern-crows-feet': { concern: 'dynamic-lines', area: 'periorbital' },
  'concern-under-eye': { concern: 'under-eye' },
  'concern-cheek-volume': { concern: 'volume-loss', area: 'cheek' },
  'concern-nasolabial': { concern: 'volume-loss', area: 'nasolabial' },
  'concern-lips': { concern: 'volume-loss', area: 'lips' },
  'concern-jawline': { concern: 'laxity', area: 'jawline' },
  'concern-neck': { concern: 'laxity', area: 'neck' },
  'concern-texture': { concern: 'texture-pores' },
  'concern-pigmentation': { concern: 'pigmentation', area: 'face' },
  'concern-redness': { concern: 'rosacea-redness' },
  'concern-acne': { concern: 'acne', area: 'face' },
  'concern-hair-loss': { concern: 'hair-loss' },
  'concern-laxity': { concern: 'laxity', area: 'face' },
  'concern-body': null, // no body-contouring concern in the knowledge base
  'concern-well-aging': { concern: 'well-aging' },
};

/** Preferred risk models, first found wins: the European SCORE2 family, then the US PCE. */
const RISK_PREFERENCE = ['score2', 'score2-op', 'pce'];

const codings = (cc: CodeableConcept | undefined): Coding[] => cc?.coding ?? [];
const hasCode = (cc: CodeableConcept | undefined, system: string, code: string): boolean => codings(cc).some((c) => c.system === system && c.code === code);
const day = (s: string | undefined): string | undefined => (s && /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : undefined);
const textOf = (cc: CodeableConcept | undefined): string => cc?.text ?? codings(cc).find((c) => c.display)?.display ?? codings(cc)[0]?.code ?? '';
const daysBetween = (a: string, b: string): number => (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;

function obsDate(o: Observation): string | undefined {
  return day(o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued);
}

/** Latest first; undated last; ties by id so the choice is stable. */
function latest<T extends { id?: string | undefined }>(items: readonly T[], dateOf: (x: T) => string | undefined): T[] {
  return [...items].sort((a, b) => (dateOf(b) ?? '').localeCompare(dateOf(a) ?? '') || (a.id ?? '').localeCompare(b.id ?? ''));
}

function wholeYears(birth: string, asOf: string): number {
  const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number];
  const [ay, am, ad] = asOf.split('-').map(Number) as [number, number, number];
  return ay - by - (am < bm || (am === bm && ad < (bd || 1)) ? 1 : 0);
}

function answersOf(items: readonly QuestionnaireResponseItem[] | undefined, linkId: string): Coding[] {
  const out: Coding[] = [];
  for (const item of items ?? []) {
    if (item.linkId === linkId) for (const a of item.answer ?? []) if (a.valueCoding) out.push(a.valueCoding);
    out.push(...answersOf(item.item, linkId));
    for (const a of item.answer ?? []) out.push(...answersOf(a.item, linkId));
  }
  return out;
}

function isCurrentCondition(c: Condition): boolean {
  const verification = codings(c.verificationStatus)[0]?.code;
  if (verification === 'refuted' || verification === 'entered-in-error') return false;
  const status = codings(c.clinicalStatus)[0]?.code;
  return status === undefined || status === 'active' || status === 'recurrence' || status === 'relapse';
}

/** Builds the engine's profile from the record. Pure. */
export function profileFromRecord(record: PatientRecordForPlan, asOf: string, kb: KnowledgeBase): ProfileFromRecord {
  const sources: Sourced[] = [];
  const missing: string[] = [];
  const src = (field: string, value: unknown, resourceType: string | undefined, resourceId: string | undefined, date: string | undefined, display: string): void => {
    sources.push({
      field,
      value,
      source: { ...(resourceType ? { resourceType } : {}), ...(resourceId ? { resourceId } : {}), ...(date ? { date } : {}), display },
    });
  };
  const ref = (type: string, id: string | undefined): string | undefined => (id ? `${type}/${id}` : undefined);
  const knownIds = (list: readonly { id: string }[]) => new Set(list.map((x) => x.id));
  const medClasses = knownIds(kb.vocabulary.medicationClasses);
  const conditionIds = knownIds(kb.vocabulary.conditions);
  const ingredientIds = knownIds(kb.vocabulary.ingredients);
  const p = record.patient;
  const qr = record.intake?.questionnaireResponse;
  const qrDate = day(qr?.authored);

  // ---- age and sex ------------------------------------------------------------------------
  let age = 0;
  const birth = day(p.birthDate);
  if (birth && birth <= asOf) {
    age = wholeYears(birth, asOf);
    src('age', age, 'Patient', p.id, birth, `born ${birth}`);
  } else missing.push('age');
  let sex: 'female' | 'male' | 'other' = 'other';
  if (p.gender === 'female' || p.gender === 'male' || p.gender === 'other') {
    sex = p.gender;
    src('sex', sex, 'Patient', p.id, undefined, `Patient.gender ${p.gender}`);
  } else missing.push('sex');

  // ---- Fitzpatrick: the clinician's LOINC 66555-4 observation, else the intake's self-assessment
  let fitzpatrick: (typeof FITZ)[number] | undefined;
  const fitzObs = latest(
    record.observations.filter((o) => hasCode(o.code, LOINC, LOINC_FITZPATRICK) && o.status !== 'entered-in-error'),
    obsDate,
  );
  for (const o of fitzObs) {
    const code = codings(o.valueCodeableConcept).map((c) => c.code?.replace(/^fitzpatrick-/, '')).find((c) => FITZ.includes(c as (typeof FITZ)[number]));
    if (code) {
      fitzpatrick = code as (typeof FITZ)[number];
      src('fitzpatrick', fitzpatrick, 'Observation', o.id, obsDate(o), textOf(o.valueCodeableConcept) || `Fitzpatrick ${code}`);
      break;
    }
  }
  const fitzScore = record.intake?.scores.fitzpatrick;
  if (!fitzpatrick && fitzScore?.status === 'scored' && FITZ.includes(fitzScore.type as (typeof FITZ)[number])) {
    fitzpatrick = fitzScore.type as (typeof FITZ)[number];
    src('fitzpatrick', fitzpatrick, 'QuestionnaireResponse', qr?.id, qrDate, `intake self-assessment, score ${fitzScore.total} of 40 (Fitzpatrick 1988)`);
  }
  if (!fitzpatrick) missing.push('fitzpatrick');

  // ---- pregnancy and breastfeeding (latest status, while still current) -----------------------
  let pregnant = false;
  const preg = latest(record.observations.filter((o) => hasCode(o.code, LOINC, LOINC_PREGNANCY) && o.status !== 'entered-in-error'), obsDate)[0];
  if (preg) {
    const d = obsDate(preg);
    const says = hasCode(preg.valueCodeableConcept, SCT, SCT_PREGNANT);
    if (says && d && daysBetween(d, asOf) > PREGNANCY_STALE_DAYS) {
      missing.push('pregnant');
      src('pregnant', false, 'Observation', preg.id, d, `"pregnant" recorded ${d}, over 40 weeks ago: not used; confirm the current status`);
    } else {
      pregnant = says;
      src('pregnant', pregnant, 'Observation', preg.id, d, `Pregnancy status: ${textOf(preg.valueCodeableConcept)}`);
    }
  } else if (sex === 'female' && age >= 12 && age <= 55) missing.push('pregnant');
  let breastfeeding = false;
  const bf = latest(
    record.observations.filter((o) => (hasCode(o.code, LOINC, LOINC_BREASTFEEDING) || codings(o.code).some((c) => c.code === 'breastfeeding-status' && c.system?.startsWith(WELLAGE_CS))) && o.status !== 'entered-in-error'),
    obsDate,
  )[0];
  if (bf) {
    breastfeeding = bf.valueBoolean === true || codings(bf.valueCodeableConcept).some((c) => /breast ?fed|breastfeeding|^yes$/i.test(c.display ?? c.code ?? ''));
    src('breastfeeding', breastfeeding, 'Observation', bf.id, obsDate(bf), `Breastfeeding: ${breastfeeding ? 'yes' : 'no'}`);
  }
  if (pregnant && sex === 'male') {
    // The engine refuses this contradiction; say where it came from rather than repair it.
    missing.push('sex');
  }

  // ---- medications ------------------------------------------------------------------------
  const medications: NonNullable<PlanProfileInput['medications']> = [];
  for (const m of record.medications) {
    if (m.status === 'entered-in-error' || m.status === 'not-taken') continue;
    const cc = m.medicationCodeableConcept;
    const name = textOf(cc) || 'medication';
    let cls = codings(cc).filter((c) => c.system === RXNORM).map((c) => MED_CLASS_BY_RXNORM[c.code ?? '']).find(Boolean);
    if (!cls) cls = MED_CLASS_BY_TEXT.find(([re]) => re.test(name.toLowerCase()))?.[1];
    if (!cls || !medClasses.has(cls)) cls = 'other';
    let start = day(m.effectivePeriod?.start ?? m.effectiveDateTime);
    let end = day(m.effectivePeriod?.end);
    if (start && start > asOf) start = undefined;
    if (end && end > asOf) end = undefined; // still running on the plan date
    if (start && end && end < start) end = undefined;
    const entry = { class: cls, name: name.slice(0, 200), ...(start ? { start } : {}), ...(end ? { end } : {}), ...(m.id ? { ref: ref('MedicationStatement', m.id) } : {}) };
    const i = medications.push(entry) - 1;
    src(`medications[${i}]`, entry, 'MedicationStatement', m.id, start ?? day(m.dateAsserted), `${name}${start ? ` from ${start}` : ''}${end ? ` to ${end}` : m.status === 'active' ? ', active' : ''}`);
  }

  // ---- allergies ----------------------------------------------------------------------------
  const allergies: NonNullable<PlanProfileInput['allergies']> = [];
  for (const a of record.allergies) {
    const verification = codings(a.verificationStatus)[0]?.code;
    if (verification === 'refuted' || verification === 'entered-in-error') continue;
    const clinical = codings(a.clinicalStatus)[0]?.code;
    if (clinical === 'inactive' || clinical === 'resolved') continue;
    let ing = codings(a.code).map((c) => (c.system === SCT ? INGREDIENT_BY_SCT[c.code ?? ''] : c.system?.startsWith(WELLAGE_CS) ? c.code : undefined)).find((x) => x && ingredientIds.has(x));
    if (!ing) {
      const t = textOf(a.code).toLowerCase();
      ing = [...ingredientIds].find((id) => id !== 'other' && t.includes(id.replace(/-/g, ' '))) ?? 'other';
    }
    const entry = { ingredient: ing, ...(a.id ? { ref: ref('AllergyIntolerance', a.id) } : {}) };
    const i = allergies.push(entry) - 1;
    src(`allergies[${i}]`, entry, 'AllergyIntolerance', a.id, day(a.recordedDate), `Allergy: ${textOf(a.code)}`);
  }

  // ---- conditions and oncology history ----------------------------------------------------------
  const conditions: NonNullable<PlanProfileInput['conditions']> = [];
  const oncology: NonNullable<PlanProfileInput['oncology']> = [];
  const seenCondition = new Set<string>();
  let melanomaHistory: Condition | undefined;
  for (const c of record.conditions) {
    if (hasCode(c.code, SCT, SCT_MELANOMA)) {
      const v = codings(c.verificationStatus)[0]?.code;
      if (v === 'refuted' || v === 'entered-in-error') continue;
      if (isCurrentCondition(c)) {
        const entry = { code: 'active-cancer', text: textOf(c.code).slice(0, 200), ...(c.id ? { ref: ref('Condition', c.id) } : {}) };
        const i = conditions.push(entry) - 1;
        src(`conditions[${i}]`, entry, 'Condition', c.id, day(c.onsetDateTime), `${textOf(c.code)} (active)`);
      } else melanomaHistory = c;
      continue;
    }
    if (!isCurrentCondition(c)) continue;
    const code =
      codings(c.code).map((x) => (x.system === SCT ? CONDITION_BY_SCT[x.code ?? ''] : x.system?.startsWith(WELLAGE_CS) ? x.code : undefined)).find((x) => x && conditionIds.has(x)) ?? undefined;
    if (!code || seenCondition.has(`${code}|${c.id}`)) continue;
    seenCondition.add(`${code}|${c.id}`);
    const entry = { code, text: textOf(c.code).slice(0, 200), ...(c.id ? { ref: ref('Condition', c.id) } : {}) };
    const i = conditions.push(entry) - 1;
    src(`conditions[${i}]`, entry, 'Condition', c.id, day(c.onsetDateTime ?? c.recordedDate), textOf(c.code));
  }
  const treatmentOf = (cc: CodeableConcept | undefined): string | undefined => {
    const t = `${codings(cc).map((c) => `${c.code ?? ''} ${c.display ?? ''}`).join(' ')} ${cc?.text ?? ''}`.toLowerCase();
    if (/chemo/.test(t)) return 'chemotherapy';
    if (/radio|radiation/.test(t)) return 'radiotherapy';
    if (/immuno/.test(t)) return 'immunotherapy';
    if (/targeted/.test(t)) return 'targeted-therapy';
    if (/hormon|endocrine|tamoxifen|aromatase/.test(t)) return 'hormonal-therapy';
    if (/surg|excision|mastectomy|resection/.test(t)) return 'surgery';
    return undefined;
  };
  const siteOf = (cc: readonly CodeableConcept[] | undefined): string | undefined =>
    (cc ?? []).flatMap((x) => codings(x)).map((c) => (c.system === SCT ? SITE_BY_SCT[c.code ?? ''] : undefined)).find(Boolean);
  for (const pr of record.procedures) {
    if (pr.status === 'entered-in-error' || pr.status === 'not-done') continue;
    const oncologyCategory = codings(pr.category).some((c) => c.code === 'oncology-treatment');
    const melanomaExcision = melanomaHistory !== undefined && hasCode(pr.code, SCT, SCT_EXCISION);
    if (!oncologyCategory && !melanomaExcision) continue;
    const treatment = treatmentOf(pr.code) ?? (melanomaExcision ? 'surgery' : undefined);
    if (!treatment) {
      missing.push(`oncology (Procedure/${pr.id ?? '?'}: treatment type not recognised)`);
      continue;
    }
    let start = day(pr.performedPeriod?.start ?? pr.performedDateTime);
    let end = day(pr.performedPeriod?.end);
    if (start && start > asOf) start = undefined;
    if (end && end > asOf) end = undefined;
    if (start && end && end < start) end = undefined;
    const site = siteOf(pr.bodySite) ?? (melanomaExcision ? siteOf(melanomaHistory?.bodySite) : undefined);
    const entry = { treatment, ...(site ? { site } : {}), ...(start ? { start } : {}), ...(end ? { end } : {}), ...(pr.id ? { ref: ref('Procedure', pr.id) } : {}) };
    const i = oncology.push(entry) - 1;
    src(`oncology[${i}]`, entry, 'Procedure', pr.id, start, `${textOf(pr.code)}${melanomaExcision ? ` (${textOf(melanomaHistory?.code)})` : ''}`);
  }

  // ---- the intake's dysmorphic-concern screen ------------------------------------------------
  let bddScreen: PlanProfileInput['bddScreen'];
  const dcq = record.intake?.scores.dcq;
  if (dcq?.status === 'scored') {
    bddScreen = { positive: dcq.positive, score: dcq.total, ...(qr?.id ? { ref: ref('QuestionnaireResponse', qr.id) } : {}) };
    src('bddScreen', bddScreen, 'QuestionnaireResponse', qr?.id, qrDate, `Dysmorphic Concern Questionnaire ${dcq.total} of 21 (${dcq.positive ? 'positive' : 'negative'} screen)`);
  } else if (record.intake) missing.push('bddScreen');

  // ---- goals: the intake's ranked concerns, else the record's active Goals ----------------------
  const goals: { concern: string; area?: string; rank: number }[] = [];
  const seenGoal = new Set<string>();
  const addGoal = (mapped: { concern: string; area?: string }, resourceType: string, id: string | undefined, date: string | undefined, display: string): void => {
    const concern = kb.concernById.get(mapped.concern);
    if (!concern) return;
    // Keep the area only where the knowledge base treats the concern there (else its default).
    const area = mapped.area && kb.siteAncestors.has(mapped.area) && concern.areas.some((a) => kb.siteAncestors.get(mapped.area!)?.includes(a) || kb.siteAncestors.get(a)?.includes(mapped.area!)) ? mapped.area : undefined;
    const key = `${mapped.concern}@${area ?? concern.defaultArea}`;
    if (seenGoal.has(key)) return;
    seenGoal.add(key);
    const goal = { concern: mapped.concern, ...(area ? { area } : {}), rank: goals.length + 1 };
    goals.push(goal);
    src(`goals[${goals.length - 1}]`, goal, resourceType, id, date, display);
  };
  if (qr) {
    for (const c of answersOf(qr.item, 'reason.concerns')) {
      const mapped = INTAKE_CONCERNS[c.code ?? ''];
      if (mapped) addGoal(mapped, 'QuestionnaireResponse', qr.id, qrDate, `intake concern: ${c.display ?? c.code}`);
      else if (mapped === undefined) missing.push(`goals (intake concern '${c.code ?? '?'}' is not in the concern taxonomy)`);
    }
  }
  if (goals.length === 0) {
    for (const g of record.goals) {
      if (g.lifecycleStatus !== 'active' && g.lifecycleStatus !== 'accepted' && g.lifecycleStatus !== 'planned' && g.lifecycleStatus !== 'proposed') continue;
      const code = codings(g.description).find((c) => c.system === `${WELLAGE_CS}/aesthetic-goal`)?.code;
      const mapped = code ? GOAL_CONCERNS[code] : undefined;
      if (mapped) addGoal(mapped, 'Goal', g.id, day(g.startDate), `goal: ${textOf(g.description)}`);
      else if (mapped === undefined) missing.push(`goals (Goal/${g.id ?? '?'} '${textOf(g.description)}' has no concern in the taxonomy)`);
    }
  }
  if (goals.length === 0) missing.push('goals');

  // ---- cardiovascular risk: the risk service's report, else the latest stored RiskAssessment ----
  let cardiovascularRisk: PlanProfileInput['cardiovascularRisk'];
  const scored = (record.risk?.results ?? []).filter((r) => r.refused === undefined && typeof r.riskPercent === 'number' && typeof r.horizonYears === 'number');
  const best = RISK_PREFERENCE.map((id) => scored.find((r) => r.model.id === id)).find(Boolean);
  if (best) {
    cardiovascularRisk = {
      model: best.model.name,
      riskPercent: Math.min(100, Math.max(0, best.riskPercent as number)),
      horizonYears: best.horizonYears as number,
      ...(best.category ? { category: { code: best.category.code, label: best.category.label } } : {}),
      modifiableFactors: (best.explanation?.contributions ?? []).map((c) => ({ factor: c.factor, actual: c.actual, attributedPercentPoints: c.attributedPercentPoints })),
    };
    src('cardiovascularRisk', cardiovascularRisk, undefined, undefined, day(record.risk?.asOf), `${best.model.name}, calculated from the record by the risk service`);
  } else {
    const ra = latest(
      record.riskAssessments.filter((r) => r.status !== 'entered-in-error' && typeof r.prediction?.[0]?.probabilityDecimal === 'number'),
      (r) => day(r.occurrenceDateTime),
    )[0];
    if (ra) {
      const pred = ra.prediction?.[0];
      const years = pred?.whenRange?.high?.value ?? (pred?.whenPeriod?.end && pred.whenPeriod.start ? Math.round(daysBetween(day(pred.whenPeriod.start)!, day(pred.whenPeriod.end)!) / 365.25) : 10);
      cardiovascularRisk = {
        model: textOf(ra.method) || 'stored risk assessment',
        riskPercent: Math.min(100, Math.max(0, Math.round((pred?.probabilityDecimal as number) * 1000) / 10)),
        horizonYears: Math.max(1, Math.round(years)),
        modifiableFactors: [],
        ref: `RiskAssessment/${ra.id}`,
      };
      src('cardiovascularRisk', cardiovascularRisk, 'RiskAssessment', ra.id, day(ra.occurrenceDateTime), `${cardiovascularRisk.model} (stored; no per-factor breakdown)`);
    } else missing.push('cardiovascularRisk');
  }

  // ---- genetics (present only with the patient's genetics consent) --------------------------------
  let genetics: ProfileGenetics | undefined;
  if (record.genetics) {
    genetics = { ...record.genetics.panel, ref: `Observation/${record.genetics.observationId}` };
    src('genetics', { panelVersion: genetics.panelVersion, tendencies: genetics.tendencies }, 'Observation', record.genetics.observationId, day(record.genetics.date), 'skin genotype panel');
  }

  const input: PlanProfileInput = {
    ...(p.id ? { id: `Patient/${p.id}` } : {}),
    age,
    sex,
    ...(fitzpatrick ? { fitzpatrick } : {}),
    pregnant,
    breastfeeding,
    medications,
    allergies,
    conditions,
    oncology,
    lesions: [],
    ...(bddScreen ? { bddScreen } : {}),
    ...(cardiovascularRisk ? { cardiovascularRisk } : {}),
    ...(genetics ? { genetics } : {}),
    goals,
    preferences: {},
  };
  return { input, sources, missing };
}
