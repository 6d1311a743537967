/**
 * QuestionnaireResponse -> coded FHIR resources (Condition, MedicationStatement,
 * AllergyIntolerance, FamilyMemberHistory, Observation, Procedure), as one transaction Bundle.
 *
 * How each resource points back to its answers (one mechanism for every type):
 * - extension `https://wellage.dev/fhir/StructureDefinition/intake-source`, a complex
 *   extension with `questionnaireResponse` (valueReference) and one `linkId` (valueString)
 *   per source answer; Observations also carry the standard `derivedFrom` reference;
 * - identifier `https://wellage.dev/fhir/NamingSystem/intake-key` = a stable key for "the
 *   same fact" (e.g. `condition:http://snomed.info/sct|38341003`), which is what
 *   `reconcileIntake` matches on, so re-submitting updates instead of duplicating.
 *
 * Everything is patient-reported: Conditions and AllergyIntolerances are `unconfirmed`
 * until a clinician confirms them. Nothing is inferred beyond the answers: a blood thinner
 * answered "yes" without a name gives no MedicationStatement (the note and the red flag
 * say it), and free text stays free text (code.text), never guessed into a code.
 *
 * Pure and deterministic: fullUrls are urn:uuid values hashed from a seed and the key.
 */
import type {
  AllergyIntolerance,
  Bundle,
  BundleEntry,
  CodeableConcept,
  Coding,
  Condition,
  Extension,
  FamilyMemberHistory,
  MedicationStatement,
  Observation,
  ObservationComponent,
  Patient,
  Procedure,
  QuestionnaireResponse,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { createRng, hashString, uuidFrom } from '../platform/seed/prng.ts';
import { itemOf, optionFor, type QuestionnaireIndex, type Text } from './questionnaire-index.ts';
import { LOINC, SCT, WA } from './questionnaire-source.ts';
import { answersOf, boolOf, codingOf, codingsOf, dateOf, instancesOf, intOf, stringOf, type ResponseView, type Scope } from './response-view.ts';
import type { IntakeScores } from './scores.ts';
import { UCUM_SYSTEM } from '../platform/fhir/systems.ts';

export const EXT_INTAKE_SOURCE = 'https://wellage.dev/fhir/StructureDefinition/intake-source';
export const INTAKE_KEY_SYSTEM = 'https://wellage.dev/fhir/NamingSystem/intake-key';
const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const CONDITION_VER = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
const ALLERGY_VER = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';
const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const UCUM = UCUM_SYSTEM;

export interface ExtractOptions {
  /** The patient the intake is about. */
  readonly patient: Reference<Patient>;
  /** The QuestionnaireResponse as stored (e.g. `QuestionnaireResponse/123`). */
  readonly response: Reference<QuestionnaireResponse>;
  /** "Now": ISO date or date-time; used when the response has no `authored`. */
  readonly asOf: string;
}

/** One extracted resource, its reconciliation key and the answers it came from. */
export interface Extracted {
  readonly key: string;
  readonly resource: Resource;
  readonly linkIds: readonly string[];
  /** A short human label (e.g. "Hypertensive disorder") for change summaries. */
  readonly label: Text;
}

const cc = (coding: Coding | undefined, text?: string): CodeableConcept => (coding ? { coding: [coding], text: text ?? coding.display } : { text: text ?? '' });
const codingKey = (c: Coding): string => `${c.system ?? ''}|${c.code ?? ''}`;
const normal = (s: string): string => s.toLowerCase().normalize('NFD').replace(/\p{Diacritic}/gu, '').replace(/\s+/g, ' ').trim();

/** Extracts every coded resource the response supports. Pure; the same input gives the same output. */
export function extractResources(view: ResponseView, index: QuestionnaireIndex, scores: IntakeScores, options: ExtractOptions): Extracted[] {
  const root = view.root;
  const when = (view.response.authored ?? options.asOf).slice(0, 10);
  const patient = options.patient;
  const out = new Map<string, { resource: Resource; linkIds: string[]; label: Text }>();
  /** Option label in both languages; free text as written. */
  const labelOf = (linkId: string, coding: Coding | undefined, free?: string): Text => {
    const o = coding ? optionFor(itemOf(index, linkId), coding) : undefined;
    const text = o?.display ?? { en: coding?.display ?? free ?? '', es: coding?.display ?? free ?? '' };
    return text;
  };
  /** Adds a resource, or merges the source linkIds into the one already under this key. */
  const add = (key: string, label: Text, linkIds: string[], build: () => Resource): void => {
    const found = out.get(key);
    if (found) {
      for (const l of linkIds) if (!found.linkIds.includes(l)) found.linkIds.push(l);
      return;
    }
    out.set(key, { resource: build(), linkIds: [...linkIds], label });
  };

  // --- Conditions -------------------------------------------------------------------------
  const condition = (key: string, label: Text, linkIds: string[], code: CodeableConcept, extra: Partial<Condition> = {}): void =>
    add(key, label, linkIds, () => ({
      resourceType: 'Condition',
      clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: 'active' }] },
      verificationStatus: { coding: [{ system: CONDITION_VER, code: 'unconfirmed' }] },
      category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'problem-list-item', display: 'Problem List Item' }] }],
      code,
      subject: patient,
      recordedDate: when,
      note: [{ text: 'Patient-reported at intake.' }],
      ...extra,
    }) satisfies Condition);
  const conditionFromCoding = (linkId: string, c: Coding, linkIds: string[] = [linkId], extra: Partial<Condition> = {}): void => {
    const label = labelOf(linkId, c);
    condition(`condition:${codingKey(c)}`, label, linkIds, cc({ system: c.system, code: c.code, display: label.en }), extra);
  };

  for (const c of codingsOf(root, 'pmh.conditions')) {
    if (c.code === 'none') continue;
    const detail = c.code === '85828009' ? stringOf(root, 'pmh.autoimmune-detail') : undefined;
    conditionFromCoding('pmh.conditions', c, detail ? ['pmh.conditions', 'pmh.autoimmune-detail'] : ['pmh.conditions'], detail ? { note: [{ text: `Patient-reported at intake: ${detail}` }] } : {});
  }
  const cvConditions: [string, Coding, Text][] = [
    ['cv.high-bp', { system: SCT, code: '38341003', display: 'Hypertensive disorder' }, { en: 'High blood pressure', es: 'Hipertensión arterial' }],
    ['cv.high-cholesterol', { system: SCT, code: '55822004', display: 'Hyperlipidemia' }, { en: 'High cholesterol', es: 'Colesterol alto' }],
    ['cv.diabetes', { system: SCT, code: '73211009', display: 'Diabetes mellitus' }, { en: 'Diabetes', es: 'Diabetes' }],
  ];
  for (const [linkId, coding, label] of cvConditions) {
    if (boolOf(root, linkId) === true) condition(`condition:${codingKey(coding)}`, label, [linkId], cc(coding));
  }
  for (const c of codingsOf(root, 'skin.conditions')) if (c.code !== 'none') conditionFromCoding('skin.conditions', c);
  if (boolOf(root, 'skin.keloid') === true) {
    condition(`condition:${WA}|keloid-tendency`, { en: 'Keloid tendency', es: 'Tendencia a queloides' }, ['skin.keloid'], cc({ system: WA, code: 'keloid-tendency', display: 'Tendency to form keloid scars' }));
  }
  const coldSores = codingOf(root, 'skin.cold-sores')?.code;
  if (coldSores && coldSores !== 'cold-sores-never') {
    const coding = { system: SCT, code: '1475003', display: 'Herpes labialis' };
    const label = labelOf('skin.cold-sores', codingOf(root, 'skin.cold-sores'));
    condition(`condition:${codingKey(coding)}`, { en: 'Cold sores', es: 'Herpes labial' }, ['skin.cold-sores'], cc(coding), {
      clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: coldSores === 'cold-sores-active' ? 'active' : 'recurrence' }] },
      note: [{ text: `Patient-reported at intake: ${label.en}.` }],
    });
  }
  const acne = codingOf(root, 'skin.acne')?.code;
  if (acne === 'acne-past' || acne === 'acne-current') {
    const coding = { system: SCT, code: '88616000', display: 'Acne vulgaris' };
    condition(`condition:${codingKey(coding)}`, { en: 'Acne', es: 'Acné' }, ['skin.acne'], cc(coding), {
      clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: acne === 'acne-current' ? 'active' : 'inactive' }] },
    });
  }
  const cancerTypes = codingsOf(root, 'skin.cancer-type').filter((c) => c.code !== 'skin-cancer-unknown');
  const cancerDate = dateOf(root, 'skin.cancer-date');
  for (const c of cancerTypes) {
    conditionFromCoding('skin.cancer-type', c, ['skin.cancer', 'skin.cancer-type', ...(cancerDate && cancerTypes.length === 1 ? ['skin.cancer-date'] : [])], {
      clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: 'inactive' }] },
      ...(cancerDate && cancerTypes.length === 1 ? { onsetDateTime: cancerDate } : {}),
    });
  }
  instancesOf(root, 'onc.episodes').forEach((episode) => {
    const coding = codingOf(episode, 'onc.episodes.diagnosis');
    const free = stringOf(episode, 'onc.episodes.diagnosis');
    if (!coding && !free) return;
    const date = dateOf(episode, 'onc.episodes.date');
    const label = labelOf('onc.episodes.diagnosis', coding, free);
    const key = coding ? `condition:${codingKey(coding)}` : `condition:text:${normal(free!)}`;
    condition(key, label, ['onc.any', 'onc.episodes.diagnosis', ...(date ? ['onc.episodes.date'] : [])], coding ? cc({ ...coding, display: label.en }) : { text: free! }, {
      clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: 'inactive' }] },
      ...(date ? { onsetDateTime: date } : {}),
    });
  });

  // --- Procedures -------------------------------------------------------------------------
  const procedure = (key: string, label: Text, linkIds: string[], body: Omit<Procedure, 'resourceType' | 'subject' | 'status'> & { status?: Procedure['status'] }): void =>
    add(key, label, linkIds, () => ({ resourceType: 'Procedure', status: 'completed', subject: patient, ...body }) satisfies Procedure);

  instancesOf(root, 'pmh.surgeries').forEach((s, i) => {
    const name = stringOf(s, 'pmh.surgeries.procedure');
    if (!name) return;
    const date = dateOf(s, 'pmh.surgeries.date');
    procedure(`procedure:surgery:${normal(name)}:${date ?? i}`, { en: name, es: name }, ['pmh.surgeries.procedure', ...(date ? ['pmh.surgeries.date'] : [])], {
      category: cc({ system: SCT, code: '387713003', display: 'Surgical procedure' }),
      code: { text: name },
      ...(date ? { performedDateTime: date } : {}),
    });
  });
  instancesOf(root, 'aesthetic.treatments').forEach((tx, i) => {
    const type = codingOf(tx, 'aesthetic.treatments.type');
    if (!type) return;
    const label = labelOf('aesthetic.treatments.type', type);
    const product = stringOf(tx, 'aesthetic.treatments.product');
    const area = stringOf(tx, 'aesthetic.treatments.area');
    const date = dateOf(tx, 'aesthetic.treatments.date');
    const complicated = boolOf(tx, 'aesthetic.treatments.complication');
    const detail = stringOf(tx, 'aesthetic.treatments.complication-detail');
    const linkIds = ['aesthetic.treatments.type', ...present(tx, ['aesthetic.treatments.product', 'aesthetic.treatments.area', 'aesthetic.treatments.date', 'aesthetic.treatments.complication', 'aesthetic.treatments.complication-detail'])];
    procedure(`procedure:aesthetic:${type.code}:${date ?? `#${i}`}`, label, linkIds, {
      category: cc({ system: WA, code: 'aesthetic-procedure', display: 'Aesthetic procedure' }),
      code: cc({ system: WA, code: type.code, display: label.en }),
      ...(date ? { performedDateTime: date } : {}),
      ...(area ? { bodySite: [{ text: area }] } : {}),
      ...(product ? { usedCode: [{ text: product }] } : {}),
      ...(complicated === true ? { complication: [{ text: detail ?? 'Complication reported' }] } : {}),
      ...(complicated === false ? { outcome: { text: 'No complication reported' } } : {}),
    });
  });
  instancesOf(root, 'onc.episodes').forEach((episode, e) => {
    const diagnosis = codingOf(episode, 'onc.episodes.diagnosis');
    const free = stringOf(episode, 'onc.episodes.diagnosis');
    const diagnosisText = labelOf('onc.episodes.diagnosis', diagnosis, free);
    instancesOf(episode, 'onc.episodes.treatment').forEach((tx, i) => {
      const type = codingOf(tx, 'onc.episodes.treatment.type');
      if (!type) return;
      const label = labelOf('onc.episodes.treatment.type', type);
      const start = dateOf(tx, 'onc.episodes.treatment.start');
      const end = dateOf(tx, 'onc.episodes.treatment.end');
      const ongoing = boolOf(tx, 'onc.episodes.treatment.ongoing') === true;
      const linkIds = ['onc.episodes.treatment.type', ...present(tx, ['onc.episodes.treatment.start', 'onc.episodes.treatment.ongoing', 'onc.episodes.treatment.end']), ...(diagnosis || free ? ['onc.episodes.diagnosis'] : [])];
      procedure(`procedure:oncology:${type.system ?? ''}|${type.code}:${diagnosis ? codingKey(diagnosis) : normal(free ?? `#${e}`)}:${start ?? `#${i}`}`, { en: `${label.en} (${diagnosisText.en})`, es: `${label.es} (${diagnosisText.es})` }, linkIds, {
        status: ongoing ? 'in-progress' : 'completed',
        category: cc({ system: WA, code: 'oncology-treatment', display: 'Cancer treatment' }),
        code: cc({ ...type, display: label.en }),
        ...(start || end ? { performedPeriod: { ...(start ? { start } : {}), ...(end && !ongoing ? { end } : {}) } } : {}),
        ...(diagnosis || free ? { reasonCode: [diagnosis ? cc({ ...diagnosis, display: diagnosisText.en }) : { text: free! }] } : {}),
      });
    });
  });

  // --- Medications ------------------------------------------------------------------------
  instancesOf(root, 'med.list').forEach((m) => {
    const coding = codingOf(m, 'med.list.name');
    const free = stringOf(m, 'med.list.name');
    if (!coding && !free) return;
    const dose = stringOf(m, 'med.list.dose');
    const reason = stringOf(m, 'med.list.reason');
    const label = labelOf('med.list.name', coding, free);
    const key = coding ? `medication:${codingKey(coding)}` : `medication:text:${normal(free!)}`;
    add(key, label, ['med.any', 'med.list.name', ...present(m, ['med.list.dose', 'med.list.reason'])], () => ({
      resourceType: 'MedicationStatement',
      status: 'active',
      medicationCodeableConcept: coding ? cc({ ...coding, display: label.en }) : { text: free! },
      subject: patient,
      dateAsserted: when,
      informationSource: patient,
      ...(dose ? { dosage: [{ text: dose }] } : {}),
      ...(reason ? { reasonCode: [{ text: reason }] } : {}),
    }) satisfies MedicationStatement);
  });
  if (boolOf(root, 'skin.isotretinoin') === true) {
    const coding = { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '6064', display: 'Isotretinoin' };
    const ongoing = boolOf(root, 'skin.isotretinoin-ongoing') === true;
    const stop = dateOf(root, 'skin.isotretinoin-stop');
    add(`medication:${codingKey(coding)}`, { en: 'Isotretinoin', es: 'Isotretinoína' }, ['skin.isotretinoin', ...present(root, ['skin.isotretinoin-ongoing', 'skin.isotretinoin-stop'])], () => ({
      resourceType: 'MedicationStatement',
      status: ongoing ? 'active' : 'completed',
      medicationCodeableConcept: cc(coding),
      subject: patient,
      dateAsserted: when,
      informationSource: patient,
      ...(stop && !ongoing ? { effectivePeriod: { end: stop } } : {}),
    }) satisfies MedicationStatement);
  }

  // --- Allergies --------------------------------------------------------------------------
  const ALLERGY_CATEGORY: Record<string, AllergyIntolerance['category']> = {
    '102263004': ['food'],
    '111088007': ['environment'],
  };
  instancesOf(root, 'allergy.list').forEach((a) => {
    const coding = codingOf(a, 'allergy.list.substance');
    const free = stringOf(a, 'allergy.list.substance');
    if (!coding && !free) return;
    const reaction = stringOf(a, 'allergy.list.reaction');
    const label = labelOf('allergy.list.substance', coding, free);
    const key = coding ? `allergy:${codingKey(coding)}` : `allergy:text:${normal(free!)}`;
    add(key, label, ['allergy.any', 'allergy.list.substance', ...present(a, ['allergy.list.reaction'])], () => ({
      resourceType: 'AllergyIntolerance',
      clinicalStatus: { coding: [{ system: ALLERGY_CLINICAL, code: 'active' }] },
      verificationStatus: { coding: [{ system: ALLERGY_VER, code: 'unconfirmed' }] },
      type: 'allergy',
      ...(coding ? { category: ALLERGY_CATEGORY[coding.code ?? ''] ?? ['medication'] } : {}),
      code: coding ? cc({ ...coding, display: label.en }) : { text: free! },
      patient,
      recordedDate: when,
      ...(reaction ? { reaction: [{ manifestation: [{ text: reaction }] }] } : {}),
    }) satisfies AllergyIntolerance);
  });
  if (boolOf(root, 'allergy.any') === false) {
    const coding = { system: SCT, code: '716186003', display: 'No known allergy' };
    add('allergy:none', { en: 'No known allergy', es: 'Sin alergias conocidas' }, ['allergy.any'], () => ({
      resourceType: 'AllergyIntolerance',
      clinicalStatus: { coding: [{ system: ALLERGY_CLINICAL, code: 'active' }] },
      verificationStatus: { coding: [{ system: ALLERGY_VER, code: 'unconfirmed' }] },
      code: cc(coding),
      patient,
      recordedDate: when,
    }) satisfies AllergyIntolerance);
  }

  // --- Family history: one FamilyMemberHistory per relative --------------------------------
  const FAMILY: [string, string, Coding, Text][] = [
    ['fhx.melanoma', 'fhx.melanoma-who', { system: SCT, code: '372244006', display: 'Malignant melanoma' }, { en: 'melanoma', es: 'melanoma' }],
    ['fhx.skin-cancer', 'fhx.skin-cancer-who', { system: SCT, code: '372130007', display: 'Malignant neoplasm of skin' }, { en: 'another skin cancer', es: 'otro cáncer de piel' }],
    ['fhx.early-cvd', 'fhx.early-cvd-who', { system: SCT, code: '49601007', display: 'Disorder of cardiovascular system' }, { en: 'early heart attack or stroke', es: 'infarto o ictus precoz' }],
    ['fhx.diabetes', 'fhx.diabetes-who', { system: SCT, code: '73211009', display: 'Diabetes mellitus' }, { en: 'diabetes', es: 'diabetes' }],
  ];
  const relatives = new Map<string, { coding: Coding; label: Text; conditions: { coding: Coding; note?: string }[]; linkIds: string[] }>();
  for (const [yes, who, coding] of FAMILY) {
    if (boolOf(root, yes) !== true) continue;
    for (const r of codingsOf(root, who)) {
      const entry = relatives.get(r.code ?? '') ?? { coding: r, label: labelOf(who, r), conditions: [], linkIds: [] };
      entry.conditions.push({ coding, ...(yes === 'fhx.early-cvd' ? { note: 'Heart attack or stroke before 55 (men) or 65 (women)' } : {}) });
      entry.linkIds.push(yes, who);
      relatives.set(r.code ?? '', entry);
    }
  }
  for (const [code, rel] of relatives) {
    add(`family:${code}`, rel.label, rel.linkIds, () => ({
      resourceType: 'FamilyMemberHistory',
      status: 'partial',
      patient,
      date: when,
      relationship: cc({ system: rel.coding.system, code: rel.coding.code, display: rel.label.en }),
      condition: rel.conditions.map((c) => ({ code: cc(c.coding), ...(c.note ? { note: [{ text: c.note }] } : {}) })),
    }) satisfies FamilyMemberHistory);
  }

  // --- Observations -----------------------------------------------------------------------
  const observation = (key: string, label: Text, linkIds: string[], category: string, body: Omit<Observation, 'resourceType' | 'status' | 'subject' | 'category'>): void =>
    add(key, label, linkIds, () => ({
      resourceType: 'Observation',
      status: 'final',
      category: [{ coding: [{ system: OBS_CATEGORY, code: category }] }],
      subject: patient,
      effectiveDateTime: when,
      derivedFrom: [options.response],
      ...body,
    }) satisfies Observation);

  const smoking = codingOf(root, 'social.smoking');
  if (smoking) {
    const label = labelOf('social.smoking', smoking);
    observation('observation:smoking-status', { en: `Smoking: ${label.en}`, es: `Tabaco: ${label.es}` }, ['social.smoking'], 'social-history', {
      code: cc({ system: LOINC, code: '72166-2', display: 'Tobacco smoking status' }),
      valueCodeableConcept: cc({ ...smoking, display: SMOKING_DISPLAY[smoking.code ?? ''] ?? label.en }),
    });
  }
  if (scores.packYears?.status === 'scored') {
    const py = scores.packYears;
    observation('observation:pack-years', { en: 'Pack-years', es: 'Paquetes-año' }, [...py.linkIds], 'social-history', {
      code: cc({ system: SCT, code: '401201003', display: 'Cigarette pack-years' }),
      valueQuantity: { value: py.packYears, unit: 'pack-years', system: UCUM, code: '{PackYears}' },
      component: [
        { code: cc({ system: WA, code: 'cigarettes-per-day', display: 'Cigarettes per day' }), valueQuantity: { value: py.cigarettesPerDay, unit: 'per day', system: UCUM, code: '/d' } },
        { code: cc({ system: WA, code: 'years-smoked', display: 'Years smoked' }), valueQuantity: { value: py.years, unit: 'years', system: UCUM, code: 'a' } },
      ],
    });
  }
  const alcohol = codingOf(root, 'social.alcohol');
  if (alcohol) {
    const perWeek = intOf(root, 'social.drinks-per-week');
    const label = labelOf('social.alcohol', alcohol);
    observation('observation:alcohol', { en: `Alcohol: ${label.en}`, es: `Alcohol: ${label.es}` }, ['social.alcohol', ...(perWeek !== undefined ? ['social.drinks-per-week'] : [])], 'social-history', {
      code: cc({ system: LOINC, code: '68518-0', display: 'How often do you have a drink containing alcohol' }),
      valueCodeableConcept: cc({ ...alcohol, display: label.en }),
      ...(perWeek !== undefined
        ? { component: [{ code: cc({ system: WA, code: 'alcohol-drinks-per-week', display: 'Alcoholic drinks per week' }), valueQuantity: { value: perWeek, unit: 'per week', system: UCUM, code: '/wk' } }] }
        : {}),
    });
  }
  const sun = codingOf(root, 'social.sun-exposure');
  if (sun) {
    const components: ObservationComponent[] = [];
    const sunscreen = codingOf(root, 'social.sunscreen');
    if (sunscreen) components.push({ code: cc({ system: WA, code: 'sunscreen-use', display: 'Facial sunscreen use' }), valueCodeableConcept: cc({ ...sunscreen, display: labelOf('social.sunscreen', sunscreen).en }) });
    const burns = codingOf(root, 'social.sunburns');
    if (burns) components.push({ code: cc({ system: WA, code: 'blistering-sunburns', display: 'Lifetime blistering sunburns' }), valueCodeableConcept: cc({ ...burns, display: labelOf('social.sunburns', burns).en }) });
    const beds = boolOf(root, 'social.tanning-beds');
    if (beds !== undefined) components.push({ code: cc({ system: WA, code: 'tanning-bed-use', display: 'Ever used tanning beds' }), valueBoolean: beds });
    const label = labelOf('social.sun-exposure', sun);
    observation('observation:sun-exposure', { en: `Sun exposure: ${label.en}`, es: `Exposición solar: ${label.es}` }, ['social.sun-exposure', ...present(root, ['social.sunscreen', 'social.sunburns', 'social.tanning-beds'])], 'social-history', {
      code: cc({ system: WA, code: 'sun-exposure', display: 'Sun exposure' }),
      valueCodeableConcept: cc({ ...sun, display: label.en }),
      ...(components.length ? { component: components } : {}),
    });
  }
  const occupation = stringOf(root, 'social.occupation');
  if (occupation) {
    observation('observation:occupation', { en: `Occupation: ${occupation}`, es: `Ocupación: ${occupation}` }, ['social.occupation'], 'social-history', {
      code: cc({ system: LOINC, code: '11341-5', display: 'History of Occupation' }),
      valueString: occupation,
    });
  }
  if (scores.fitzpatrick.status === 'scored') {
    const f = scores.fitzpatrick;
    observation('observation:fitzpatrick', { en: `Fitzpatrick skin type ${f.type}`, es: `Fototipo de Fitzpatrick ${f.type}` }, [...f.linkIds], 'survey', {
      code: cc({ system: WA, code: 'fitzpatrick-skin-type', display: 'Fitzpatrick skin type (self-assessment)' }),
      valueCodeableConcept: cc({ system: WA, code: `fitzpatrick-${f.type}`, display: `Fitzpatrick skin type ${f.type}` }),
      component: [{ code: cc({ system: WA, code: 'fitzpatrick-score', display: 'Fitzpatrick self-assessment total score (0-40)' }), valueInteger: f.total }],
      note: [{ text: f.source }],
    });
  }
  if (scores.dcq.status === 'scored') {
    const d = scores.dcq;
    observation('observation:dcq', { en: `Dysmorphic Concern Questionnaire ${d.total}`, es: `Cuestionario de Preocupación Dismórfica ${d.total}` }, [...d.linkIds], 'survey', {
      code: cc({ system: WA, code: 'dcq-total', display: 'Dysmorphic Concern Questionnaire total score (0-21)' }),
      valueInteger: d.total,
      interpretation: [cc({ system: INTERPRETATION, code: d.positive ? 'POS' : 'NEG', display: d.positive ? 'Positive' : 'Negative' })],
      note: [{ text: `${d.source}. A screen, not a diagnosis.` }],
    });
  }
  const sys = intOf(root, 'cv.bp.systolic');
  const dia = intOf(root, 'cv.bp.diastolic');
  if (sys !== undefined && dia !== undefined) {
    const date = dateOf(root, 'cv.bp.date');
    const mmHg = (value: number) => ({ value, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' });
    observation(`observation:blood-pressure:${date ?? when}`, { en: `Blood pressure ${sys}/${dia} mmHg`, es: `Tensión arterial ${sys}/${dia} mmHg` }, ['cv.bp.systolic', 'cv.bp.diastolic', ...(date ? ['cv.bp.date'] : [])], 'vital-signs', {
      code: cc({ system: LOINC, code: '85354-9', display: 'Blood pressure panel with all children optional' }),
      effectiveDateTime: date ?? when,
      component: [
        { code: cc({ system: LOINC, code: '8480-6', display: 'Systolic blood pressure' }), valueQuantity: mmHg(sys) },
        { code: cc({ system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' }), valueQuantity: mmHg(dia) },
      ],
      note: [{ text: 'Patient-reported reading.' }],
    });
  }
  const pregnant = codingOf(root, 'women.pregnant')?.code;
  if (pregnant) {
    const value = PREGNANCY_VALUE[pregnant]!;
    observation('observation:pregnancy-status', { en: `Pregnancy status: ${value.display}`, es: `Embarazo: ${labelOf('women.pregnant', codingOf(root, 'women.pregnant')).es}` }, ['women.pregnant'], 'social-history', {
      code: cc({ system: LOINC, code: '82810-3', display: 'Pregnancy status' }),
      valueCodeableConcept: cc(value),
    });
  }
  const breastfeeding = boolOf(root, 'women.breastfeeding');
  if (breastfeeding !== undefined) {
    observation('observation:breastfeeding', { en: `Breastfeeding: ${breastfeeding ? 'yes' : 'no'}`, es: `Lactancia: ${breastfeeding ? 'sí' : 'no'}` }, ['women.breastfeeding'], 'social-history', {
      code: cc({ system: WA, code: 'breastfeeding-status', display: 'Currently breastfeeding' }),
      valueBoolean: breastfeeding,
    });
  }

  // Stamp identity and provenance on every resource.
  return [...out.entries()].map(([key, { resource, linkIds, label }]) => {
    const sourceExt: Extension = {
      url: EXT_INTAKE_SOURCE,
      extension: [{ url: 'questionnaireResponse', valueReference: options.response }, ...linkIds.map((l) => ({ url: 'linkId', valueString: l }))],
    };
    const stamped = { ...resource, identifier: [{ system: INTAKE_KEY_SYSTEM, value: key }], extension: [sourceExt] } as Resource;
    return { key, resource: stamped, linkIds, label };
  });
}

const SMOKING_DISPLAY: Record<string, string> = {
  '266919005': 'Never smoked tobacco',
  '449868002': 'Smokes tobacco daily',
  '428041000124106': 'Occasional tobacco smoker',
  '8517006': 'Ex-smoker',
};

/** women.pregnant answers as SNOMED CT findings (values of LOINC 82810-3). */
const PREGNANCY_VALUE: Record<string, Coding> = {
  yes: { system: SCT, code: '77386006', display: 'Pregnant' },
  no: { system: SCT, code: '60001007', display: 'Not pregnant' },
  unsure: { system: SCT, code: '261665006', display: 'Unknown' },
};

/** The linkIds among `linkIds` that carry an answer in `scope`. */
function present(scope: Scope, linkIds: string[]): string[] {
  return linkIds.filter((l) => answersOf(scope, l).length > 0);
}

/** The deterministic urn:uuid for a key (same intake, same key: same fullUrl). */
export function fullUrlFor(seed: string, key: string): string {
  return `urn:uuid:${uuidFrom(createRng(hashString(`${seed}\u0000${key}`)))}`;
}

/** A transaction Bundle that creates every extracted resource. */
export function extractionBundle(extracted: readonly Extracted[], seed: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: extracted.map(
      (e): BundleEntry => ({
        fullUrl: fullUrlFor(seed, e.key),
        resource: e.resource,
        request: { method: 'POST', url: e.resource.resourceType },
      }),
    ),
  };
}

/** The intake key of a stored resource, if it came from an intake. */
export function intakeKeyOf(resource: Resource): string | undefined {
  const ids = (resource as { identifier?: { system?: string; value?: string }[] }).identifier ?? [];
  return ids.find((i) => i.system === INTAKE_KEY_SYSTEM)?.value;
}

/** The linkIds a resource says it came from (its intake-source extension). */
export function sourceLinkIdsOf(resource: Resource): string[] {
  const ext = ((resource as { extension?: Extension[] }).extension ?? []).find((e) => e.url === EXT_INTAKE_SOURCE);
  return (ext?.extension ?? []).filter((e) => e.url === 'linkId').map((e) => e.valueString ?? '');
}
