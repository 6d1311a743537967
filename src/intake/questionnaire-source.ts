/**
 * The authoring source of the shipped intake Questionnaire. The JSON in
 * content/intake/aesthetic-intake.questionnaire.json is generated from this file and a
 * drift test keeps the two identical (regenerate with
 * `WELLAGE_WRITE_CONTENT=1 npx vitest run src/intake/questionnaire-source.test.ts`).
 * Keeping the source in TypeScript keeps each English text beside its Spanish one, which
 * hand-edited FHIR JSON (`_text` extensions) makes easy to get out of step.
 *
 * Codes: SNOMED CT, LOINC, RxNorm and HL7 code systems where a concept exists; the WellAge
 * code system (WA) where none does. content/intake/README.md lists every code and source.
 */
import type { Coding, Extension, Questionnaire, QuestionnaireItem, QuestionnaireItemAnswerOption, QuestionnaireItemEnableWhen } from '@medplum/fhirtypes';
import { LOINC_SYSTEM, RXNORM_SYSTEM, SNOMED_SYSTEM } from '../platform/fhir/systems.ts';

export const QUESTIONNAIRE_URL = 'https://wellage.dev/fhir/Questionnaire/aesthetic-intake';
export const QUESTIONNAIRE_VERSION = '1.0.0';

export const SCT = SNOMED_SYSTEM;
export const LOINC = LOINC_SYSTEM;
export const RXNORM = RXNORM_SYSTEM;
export const ROLE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
export const GENDER = 'http://hl7.org/fhir/administrative-gender';
/** WellAge's own code system, for answers no standard terminology codes (said so per code in the README). */
export const WA = 'https://wellage.dev/fhir/CodeSystem/intake';

export const EXT_TRANSLATION = 'http://hl7.org/fhir/StructureDefinition/translation';
export const EXT_MIN = 'http://hl7.org/fhir/StructureDefinition/minValue';
export const EXT_MAX = 'http://hl7.org/fhir/StructureDefinition/maxValue';
export const EXT_ORDINAL = 'http://hl7.org/fhir/StructureDefinition/ordinalValue';
export const EXT_UNIT = 'http://hl7.org/fhir/StructureDefinition/questionnaire-unit';
export const EXT_EXCLUSIVE = 'http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive';

type T = readonly [en: string, es: string];

interface Opt {
  system: string;
  code: string;
  text: T;
  ordinal?: number;
  exclusive?: boolean;
}

const es = (text: string): Extension => ({
  url: EXT_TRANSLATION,
  extension: [
    { url: 'lang', valueCode: 'es' },
    { url: 'content', valueString: text },
  ],
});

const o = (system: string, code: string, en: string, esText: string, extra: Partial<Opt> = {}): Opt => ({ system, code, text: [en, esText], ...extra });

function option(opt: Opt): QuestionnaireItemAnswerOption {
  const coding: Coding = { system: opt.system, code: opt.code, display: opt.text[0] };
  (coding as Coding & { _display?: unknown })._display = { extension: [es(opt.text[1])] };
  const extension: Extension[] = [];
  if (opt.ordinal !== undefined) extension.push({ url: EXT_ORDINAL, valueDecimal: opt.ordinal });
  if (opt.exclusive) extension.push({ url: EXT_EXCLUSIVE, valueBoolean: true });
  return { ...(extension.length ? { extension } : {}), valueCoding: coding };
}

interface ItemSpec {
  required?: boolean;
  repeats?: boolean;
  options?: Opt[];
  items?: QuestionnaireItem[];
  enableWhen?: QuestionnaireItemEnableWhen[];
  enableBehavior?: 'all' | 'any';
  min?: number;
  max?: number;
  unit?: Coding;
  maxLength?: number;
  code?: Coding[];
}

function item(linkId: string, type: QuestionnaireItem['type'], text: T, spec: ItemSpec = {}): QuestionnaireItem {
  const extension: Extension[] = [];
  const numeric = type === 'integer' ? 'valueInteger' : 'valueDecimal';
  if (spec.min !== undefined) extension.push({ url: EXT_MIN, [numeric]: spec.min });
  if (spec.max !== undefined) extension.push({ url: EXT_MAX, [numeric]: spec.max });
  if (spec.unit) extension.push({ url: EXT_UNIT, valueCoding: spec.unit });
  const out: QuestionnaireItem & { _text?: unknown } = {
    ...(extension.length ? { extension } : {}),
    linkId,
    ...(spec.code ? { code: spec.code } : {}),
    text: text[0],
    type,
  };
  out._text = { extension: [es(text[1])] };
  if (spec.enableWhen) out.enableWhen = spec.enableWhen;
  if (spec.enableWhen && spec.enableWhen.length > 1) out.enableBehavior = spec.enableBehavior ?? 'all';
  if (spec.required) out.required = true;
  if (spec.repeats) out.repeats = true;
  if (spec.maxLength !== undefined) out.maxLength = spec.maxLength;
  else if (type === 'string') out.maxLength = 500;
  else if (type === 'text') out.maxLength = 4000;
  if (spec.options) out.answerOption = spec.options.map(option);
  if (spec.items) out.item = spec.items;
  return out;
}

const whenTrue = (question: string): QuestionnaireItemEnableWhen => ({ question, operator: '=', answerBoolean: true });
const whenCode = (question: string, system: string, code: string, operator: '=' | '!=' = '='): QuestionnaireItemEnableWhen => ({
  question,
  operator,
  answerCoding: { system, code },
});

const YES_NO_UNSURE = [o(WA, 'yes', 'Yes', 'Sí'), o(WA, 'no', 'No', 'No'), o(WA, 'unsure', 'Not sure', 'No estoy seguro/a')];

/** Relatives, coded with HL7 v3 RoleCode (the FamilyMemberHistory.relationship value set). */
const RELATIVES = [
  o(ROLE, 'MTH', 'Mother', 'Madre'),
  o(ROLE, 'FTH', 'Father', 'Padre'),
  o(ROLE, 'SIB', 'Brother or sister', 'Hermano o hermana'),
  o(ROLE, 'CHILD', 'Son or daughter', 'Hijo o hija'),
  o(ROLE, 'GRPRN', 'Grandparent', 'Abuelo o abuela'),
  o(ROLE, 'EXT', 'Other relative', 'Otro familiar'),
];

/** Fitzpatrick self-report items: 10 questions, each option scored 0-4 (ordinalValue). */
function fitz(linkId: string, text: T, answers: T[]): QuestionnaireItem {
  return item(linkId, 'choice', text, {
    required: true,
    options: answers.map((a, i) => o(WA, `${linkId}-${i}`, a[0], a[1], { ordinal: i })),
  });
}

/** Dysmorphic Concern Questionnaire items: "Have you ever...", each scored 0-3. */
const DCQ_SCALE: T[] = [
  ['Not at all', 'En absoluto'],
  ['Same as most people', 'Igual que la mayoría de las personas'],
  ['More than most people', 'Más que la mayoría de las personas'],
  ['Much more than most people', 'Mucho más que la mayoría de las personas'],
];
function dcq(n: number, text: T): QuestionnaireItem {
  const linkId = `dcq.${n}`;
  return item(linkId, 'choice', text, {
    required: true,
    options: DCQ_SCALE.map((a, i) => o(WA, `dcq-${i}`, a[0], a[1], { ordinal: i })),
  });
}

/** Builds the shipped Questionnaire (deterministic: same object on every call). */
export function buildAestheticIntakeQuestionnaire(): Questionnaire {
  const items: QuestionnaireItem[] = [
    item('about', 'group', ['About you', 'Sobre usted'], {
      items: [
        item('about.age', 'integer', ['Age (years)', 'Edad (años)'], { required: true, min: 0, max: 122, unit: { system: 'http://unitsofmeasure.org', code: 'a', display: 'years' } }),
        item('about.sex', 'choice', ['Sex assigned at birth', 'Sexo asignado al nacer'], {
          required: true,
          options: [o(GENDER, 'female', 'Female', 'Femenino'), o(GENDER, 'male', 'Male', 'Masculino'), o(GENDER, 'other', 'Other or intersex', 'Otro o intersexual')],
        }),
      ],
    }),
    item('reason', 'group', ['Reason for your visit and goals', 'Motivo de la consulta y objetivos'], {
      items: [
        item('reason.concerns', 'choice', ['Which areas or concerns would you like to discuss?', '¿Qué zonas o aspectos le gustaría consultar?'], {
          required: true,
          repeats: true,
          options: [
            o(WA, 'concern-forehead-lines', 'Forehead lines', 'Arrugas de la frente'),
            o(WA, 'concern-frown-lines', 'Frown lines between the eyebrows', 'Arrugas del entrecejo'),
            o(WA, 'concern-crows-feet', "Crow's feet", 'Patas de gallo'),
            o(WA, 'concern-under-eye', 'Under-eye hollows or dark circles', 'Ojeras o hundimiento bajo los ojos'),
            o(WA, 'concern-cheek-volume', 'Loss of cheek volume', 'Pérdida de volumen en las mejillas'),
            o(WA, 'concern-nasolabial', 'Nasolabial folds', 'Surcos nasogenianos'),
            o(WA, 'concern-lips', 'Lips', 'Labios'),
            o(WA, 'concern-jawline', 'Jawline or jowls', 'Óvalo facial o papada'),
            o(WA, 'concern-neck', 'Neck', 'Cuello'),
            o(WA, 'concern-texture', 'Skin texture or pores', 'Textura de la piel o poros'),
            o(WA, 'concern-pigmentation', 'Pigmentation or sun spots', 'Manchas o pigmentación'),
            o(WA, 'concern-redness', 'Redness or rosacea', 'Rojez o rosácea'),
            o(WA, 'concern-acne', 'Acne or acne scars', 'Acné o cicatrices de acné'),
            o(WA, 'concern-hair-loss', 'Hair loss', 'Caída del cabello'),
            o(WA, 'concern-laxity', 'Skin laxity', 'Flacidez de la piel'),
            o(WA, 'concern-body', 'Body contour', 'Contorno corporal'),
            o(WA, 'concern-well-aging', 'General well-aging', 'Envejecimiento saludable en general'),
          ],
        }),
        item('reason.main', 'text', ['In your own words, what bothers you most and what would you like to achieve?', 'Con sus palabras, ¿qué es lo que más le preocupa y qué le gustaría conseguir?'], { required: true }),
        item('reason.duration', 'choice', ['How long has this concerned you?', '¿Desde cuándo le preocupa?'], {
          options: [
            o(WA, 'duration-lt-6m', 'Less than 6 months', 'Menos de 6 meses'),
            o(WA, 'duration-6-12m', '6 to 12 months', 'De 6 a 12 meses'),
            o(WA, 'duration-1-5y', '1 to 5 years', 'De 1 a 5 años'),
            o(WA, 'duration-gt-5y', 'More than 5 years', 'Más de 5 años'),
          ],
        }),
        item('reason.expectation', 'choice', ['What kind of result are you hoping for?', '¿Qué tipo de resultado espera?'], {
          options: [
            o(WA, 'expect-subtle', 'Subtle, natural-looking', 'Sutil y natural'),
            o(WA, 'expect-noticeable', 'Noticeable', 'Notable'),
            o(WA, 'expect-dramatic', 'A dramatic change', 'Un cambio radical'),
          ],
        }),
      ],
    }),
    item('pmh', 'group', ['Past medical and surgical history', 'Antecedentes médicos y quirúrgicos'], {
      items: [
        item('pmh.conditions', 'choice', ['Have you ever been diagnosed with any of these?', '¿Le han diagnosticado alguna vez alguna de estas enfermedades?'], {
          required: true,
          repeats: true,
          options: [
            o(SCT, '53741008', 'Coronary heart disease', 'Enfermedad coronaria'),
            o(SCT, '230690007', 'Stroke', 'Ictus'),
            o(SCT, '14304000', 'Thyroid disease', 'Enfermedad de tiroides'),
            o(SCT, '85828009', 'Autoimmune disease (e.g. lupus, rheumatoid arthritis)', 'Enfermedad autoinmune (p. ej., lupus, artritis reumatoide)'),
            o(SCT, '86406008', 'HIV infection', 'Infección por VIH'),
            o(WA, 'organ-transplant', 'Organ transplant', 'Trasplante de órgano'),
            o(SCT, '64779008', 'Bleeding or clotting disorder', 'Trastorno de la coagulación'),
            o(SCT, '84757009', 'Epilepsy', 'Epilepsia'),
            o(SCT, '195967001', 'Asthma', 'Asma'),
            o(SCT, '35489007', 'Depression', 'Depresión'),
            o(WA, 'none', 'None of these', 'Ninguna de ellas', { exclusive: true }),
          ],
        }),
        item('pmh.autoimmune-detail', 'string', ['Which autoimmune disease?', '¿Qué enfermedad autoinmune?'], {
          enableWhen: [whenCode('pmh.conditions', SCT, '85828009')],
        }),
        item('pmh.other', 'text', ['Any other illness or condition?', '¿Alguna otra enfermedad?']),
        item('pmh.surgery', 'boolean', ['Have you had any operations?', '¿Le han operado alguna vez?'], { required: true }),
        item('pmh.surgeries', 'group', ['Operations', 'Operaciones'], {
          repeats: true,
          enableWhen: [whenTrue('pmh.surgery')],
          items: [
            item('pmh.surgeries.procedure', 'string', ['Operation', 'Operación'], { required: true }),
            item('pmh.surgeries.date', 'date', ['When (approximately)', 'Cuándo (aproximadamente)']),
          ],
        }),
      ],
    }),
    item('med', 'group', ['Medicines and supplements', 'Medicamentos y suplementos'], {
      items: [
        item('med.any', 'boolean', ['Do you take any medicines, vitamins or supplements?', '¿Toma algún medicamento, vitamina o suplemento?'], { required: true }),
        item('med.list', 'group', ['Medicines', 'Medicamentos'], {
          repeats: true,
          enableWhen: [whenTrue('med.any')],
          items: [
            item('med.list.name', 'open-choice', ['Name of the medicine or supplement', 'Nombre del medicamento o suplemento'], {
              required: true,
              options: [
                o(RXNORM, '11289', 'Warfarin', 'Warfarina'),
                o(RXNORM, '1364430', 'Apixaban', 'Apixabán'),
                o(RXNORM, '1114195', 'Rivaroxaban', 'Rivaroxabán'),
                o(RXNORM, '1191', 'Aspirin', 'Ácido acetilsalicílico (aspirina)'),
                o(RXNORM, '32968', 'Clopidogrel', 'Clopidogrel'),
                o(RXNORM, '6809', 'Metformin', 'Metformina'),
                o(RXNORM, '83367', 'Atorvastatin', 'Atorvastatina'),
                o(RXNORM, '10582', 'Levothyroxine', 'Levotiroxina'),
                o(RXNORM, '8640', 'Prednisone', 'Prednisona'),
                o(RXNORM, '6851', 'Methotrexate', 'Metotrexato'),
                o(RXNORM, '42316', 'Tacrolimus', 'Tacrolimus'),
                o(RXNORM, '6064', 'Isotretinoin', 'Isotretinoína'),
                o(RXNORM, '5640', 'Ibuprofen', 'Ibuprofeno'),
                o(RXNORM, '10324', 'Tamoxifen', 'Tamoxifeno'),
              ],
            }),
            item('med.list.dose', 'string', ['Dose and how often', 'Dosis y frecuencia']),
            item('med.list.reason', 'string', ['What for', 'Para qué']),
          ],
        }),
        item('med.blood-thinner', 'boolean', ['Do you take blood thinners such as warfarin, apixaban, rivaroxaban, aspirin or clopidogrel?', '¿Toma anticoagulantes o antiagregantes como warfarina, apixabán, rivaroxabán, aspirina o clopidogrel?'], { required: true }),
        item('med.immunosuppressant', 'boolean', ['Do you take medicines that weaken the immune system (steroid tablets, methotrexate, transplant or biologic drugs)?', '¿Toma medicamentos que debilitan el sistema inmunitario (corticoides orales, metotrexato, fármacos para trasplante o biológicos)?'], { required: true }),
      ],
    }),
    item('allergy', 'group', ['Allergies', 'Alergias'], {
      items: [
        item('allergy.any', 'boolean', ['Do you have any allergies?', '¿Tiene alguna alergia?'], { required: true }),
        item('allergy.list', 'group', ['Allergies', 'Alergias'], {
          repeats: true,
          enableWhen: [whenTrue('allergy.any')],
          items: [
            item('allergy.list.substance', 'open-choice', ['What are you allergic to?', '¿A qué es alérgico/a?'], {
              required: true,
              options: [
                o(SCT, '387480006', 'Lidocaine or other local anaesthetics', 'Lidocaína u otros anestésicos locales'),
                o(WA, 'substance-hyaluronidase', 'Hyaluronidase', 'Hialuronidasa'),
                o(SCT, '102263004', 'Eggs or albumin', 'Huevo o albúmina'),
                o(SCT, '111088007', 'Latex', 'Látex'),
                o(SCT, '764146007', 'Penicillin', 'Penicilina'),
                o(WA, 'substance-botulinum-toxin', 'Botulinum toxin', 'Toxina botulínica'),
                o(WA, 'substance-hyaluronic-acid', 'Hyaluronic acid', 'Ácido hialurónico'),
              ],
            }),
            item('allergy.list.reaction', 'string', ['What happened (the reaction)?', '¿Qué le ocurrió (la reacción)?']),
          ],
        }),
      ],
    }),
    item('fhx', 'group', ['Family history', 'Antecedentes familiares'], {
      items: [
        item('fhx.melanoma', 'boolean', ['Has a blood relative had melanoma?', '¿Algún familiar consanguíneo ha tenido melanoma?'], { required: true }),
        item('fhx.melanoma-who', 'choice', ['Who?', '¿Quién?'], { repeats: true, required: true, enableWhen: [whenTrue('fhx.melanoma')], options: RELATIVES }),
        item('fhx.skin-cancer', 'boolean', ['Has a blood relative had another skin cancer?', '¿Algún familiar consanguíneo ha tenido otro cáncer de piel?'], { required: true }),
        item('fhx.skin-cancer-who', 'choice', ['Who?', '¿Quién?'], { repeats: true, required: true, enableWhen: [whenTrue('fhx.skin-cancer')], options: RELATIVES }),
        item('fhx.early-cvd', 'boolean', ['Has a parent, brother or sister had a heart attack or stroke young (a man before 55, a woman before 65)?', '¿Alguno de sus padres o hermanos ha tenido un infarto o un ictus a edad temprana (un hombre antes de los 55, una mujer antes de los 65)?'], { required: true }),
        item('fhx.early-cvd-who', 'choice', ['Who?', '¿Quién?'], { repeats: true, required: true, enableWhen: [whenTrue('fhx.early-cvd')], options: RELATIVES }),
        item('fhx.diabetes', 'boolean', ['Has a blood relative had diabetes?', '¿Algún familiar consanguíneo ha tenido diabetes?'], { required: true }),
        item('fhx.diabetes-who', 'choice', ['Who?', '¿Quién?'], { repeats: true, required: true, enableWhen: [whenTrue('fhx.diabetes')], options: RELATIVES }),
      ],
    }),
    item('social', 'group', ['Lifestyle', 'Hábitos de vida'], {
      items: [
        item('social.smoking', 'choice', ['Do you smoke tobacco?', '¿Fuma tabaco?'], {
          required: true,
          code: [{ system: LOINC, code: '72166-2', display: 'Tobacco smoking status' }],
          options: [
            o(SCT, '266919005', 'Never smoked', 'Nunca he fumado'),
            o(SCT, '449868002', 'Yes, every day', 'Sí, a diario'),
            o(SCT, '428041000124106', 'Yes, some days', 'Sí, algunos días'),
            o(SCT, '8517006', 'I used to smoke', 'Fumaba antes'),
          ],
        }),
        item('social.cigarettes-per-day', 'integer', ['How many cigarettes a day (or did you) smoke?', '¿Cuántos cigarrillos al día fuma (o fumaba)?'], {
          required: true,
          min: 0,
          max: 100,
          unit: { system: 'http://unitsofmeasure.org', code: '/d', display: 'per day' },
          enableWhen: [
            whenCode('social.smoking', SCT, '449868002'),
            whenCode('social.smoking', SCT, '428041000124106'),
            whenCode('social.smoking', SCT, '8517006'),
          ],
          enableBehavior: 'any',
        }),
        item('social.smoking-years', 'integer', ['For how many years in total (have you) smoked?', '¿Durante cuántos años en total fuma (o fumó)?'], {
          required: true,
          min: 0,
          max: 110,
          unit: { system: 'http://unitsofmeasure.org', code: 'a', display: 'years' },
          enableWhen: [whenCode('social.smoking', SCT, '266919005', '!='), { question: 'social.smoking', operator: 'exists', answerBoolean: true }],
          enableBehavior: 'all',
        }),
        item('social.quit-date', 'date', ['When did you stop smoking?', '¿Cuándo dejó de fumar?'], { enableWhen: [whenCode('social.smoking', SCT, '8517006')] }),
        item('social.alcohol', 'choice', ['How often do you have a drink containing alcohol?', '¿Con qué frecuencia toma alguna bebida alcohólica?'], {
          required: true,
          code: [{ system: LOINC, code: '68518-0', display: 'How often do you have a drink containing alcohol' }],
          options: [
            o(LOINC, 'LA6270-8', 'Never', 'Nunca'),
            o(LOINC, 'LA18926-8', 'Monthly or less', 'Una vez al mes o menos'),
            o(LOINC, 'LA18927-6', '2-4 times a month', 'De 2 a 4 veces al mes'),
            o(LOINC, 'LA18928-4', '2-3 times a week', 'De 2 a 3 veces por semana'),
            o(LOINC, 'LA18929-2', '4 or more times a week', '4 o más veces por semana'),
          ],
        }),
        item('social.drinks-per-week', 'integer', ['How many drinks in a typical week?', '¿Cuántas bebidas en una semana normal?'], {
          min: 0,
          max: 200,
          unit: { system: 'http://unitsofmeasure.org', code: '/wk', display: 'per week' },
          enableWhen: [whenCode('social.alcohol', LOINC, 'LA6270-8', '!=')],
        }),
        item('social.sun-exposure', 'choice', ['How much time do you spend in the sun?', '¿Cuánto tiempo pasa al sol?'], {
          required: true,
          options: [
            o(WA, 'sun-low', 'Little (mostly indoors)', 'Poco (casi siempre en interiores)'),
            o(WA, 'sun-moderate', 'Moderate (some outdoor leisure)', 'Moderado (algo de ocio al aire libre)'),
            o(WA, 'sun-high', 'A lot (outdoor work or sports)', 'Mucho (trabajo o deporte al aire libre)'),
          ],
        }),
        item('social.sunscreen', 'choice', ['Do you use sunscreen on your face?', '¿Usa protector solar en la cara?'], {
          options: [o(WA, 'sunscreen-never', 'Never', 'Nunca'), o(WA, 'sunscreen-sometimes', 'Sometimes', 'A veces'), o(WA, 'sunscreen-daily', 'Every day', 'A diario')],
        }),
        item('social.sunburns', 'choice', ['How many blistering sunburns have you had in your life?', '¿Cuántas quemaduras solares con ampollas ha tenido en su vida?'], {
          required: true,
          options: [o(WA, 'sunburns-0', 'None', 'Ninguna'), o(WA, 'sunburns-1-4', '1 to 4', 'De 1 a 4'), o(WA, 'sunburns-5-plus', '5 or more', '5 o más')],
        }),
        item('social.tanning-beds', 'boolean', ['Have you ever used tanning beds (sunbeds)?', '¿Ha usado alguna vez cabinas de rayos UVA?'], { required: true }),
        item('social.occupation', 'string', ['Occupation', 'Ocupación'], { code: [{ system: LOINC, code: '11341-5', display: 'History of Occupation' }] }),
      ],
    }),
    item('skin', 'group', ['Skin history', 'Antecedentes de la piel'], {
      items: [
        item('skin.mole-change', 'boolean', ['Do you have a mole or spot that is new, changing, bleeding or itching?', '¿Tiene algún lunar o mancha nuevo, que cambie, sangre o pique?'], { required: true }),
        item('skin.mole-change-how', 'choice', ['What have you noticed?', '¿Qué ha notado?'], {
          required: true,
          repeats: true,
          enableWhen: [whenTrue('skin.mole-change')],
          options: [
            o(WA, 'mole-new', 'It is new', 'Es nuevo'),
            o(WA, 'mole-size', 'It changed size', 'Ha cambiado de tamaño'),
            o(WA, 'mole-shape', 'It changed shape', 'Ha cambiado de forma'),
            o(WA, 'mole-colour', 'It changed colour', 'Ha cambiado de color'),
            o(WA, 'mole-bleeds', 'It bleeds', 'Sangra'),
            o(WA, 'mole-itches', 'It itches', 'Pica'),
            o(WA, 'mole-raised', 'It became raised or firm', 'Se ha vuelto elevado o duro'),
          ],
        }),
        item('skin.mole-change-where', 'string', ['Where on your body?', '¿En qué parte del cuerpo?'], { enableWhen: [whenTrue('skin.mole-change')] }),
        item('skin.cancer', 'boolean', ['Have you ever had skin cancer?', '¿Ha tenido alguna vez cáncer de piel?'], { required: true }),
        item('skin.cancer-type', 'choice', ['Which type?', '¿De qué tipo?'], {
          required: true,
          repeats: true,
          enableWhen: [whenTrue('skin.cancer')],
          options: [
            o(SCT, '372244006', 'Melanoma', 'Melanoma'),
            o(SCT, '254701007', 'Basal cell carcinoma', 'Carcinoma basocelular'),
            o(SCT, '254651007', 'Squamous cell carcinoma', 'Carcinoma espinocelular'),
            o(WA, 'skin-cancer-unknown', "I don't know the type", 'No sé de qué tipo'),
          ],
        }),
        item('skin.cancer-date', 'date', ['When was it diagnosed (the most recent)?', '¿Cuándo se diagnosticó (el más reciente)?'], { enableWhen: [whenTrue('skin.cancer')] }),
        item('skin.conditions', 'choice', ['Do you have any of these skin conditions?', '¿Tiene alguna de estas enfermedades de la piel?'], {
          repeats: true,
          options: [
            o(SCT, '398909004', 'Rosacea', 'Rosácea'),
            o(SCT, '9014002', 'Psoriasis', 'Psoriasis'),
            o(SCT, '24079001', 'Atopic eczema', 'Dermatitis atópica'),
            o(SCT, '56727007', 'Vitiligo', 'Vitíligo'),
            o(SCT, '36209000', 'Melasma', 'Melasma'),
            o(WA, 'none', 'None of these', 'Ninguna de ellas', { exclusive: true }),
          ],
        }),
        item('skin.keloid', 'boolean', ['Do you form thick, raised scars (keloids)?', '¿Le salen cicatrices gruesas y elevadas (queloides)?'], { required: true }),
        item('skin.cold-sores', 'choice', ['Do you get cold sores?', '¿Le salen calenturas (herpes labial)?'], {
          required: true,
          options: [
            o(WA, 'cold-sores-never', 'Never', 'Nunca'),
            o(WA, 'cold-sores-occasional', 'Occasionally', 'De vez en cuando'),
            o(WA, 'cold-sores-frequent', 'Often (more than 3 a year)', 'A menudo (más de 3 al año)'),
            o(WA, 'cold-sores-active', 'I have one now', 'Tengo una ahora'),
          ],
        }),
        item('skin.acne', 'choice', ['Acne', 'Acné'], {
          options: [o(WA, 'acne-never', 'Never had it', 'Nunca he tenido'), o(WA, 'acne-past', 'In the past', 'En el pasado'), o(WA, 'acne-current', 'I have it now', 'Tengo ahora')],
        }),
        item('skin.isotretinoin', 'boolean', ['Have you taken isotretinoin (Roaccutane, Accutane) in the last 6 months?', '¿Ha tomado isotretinoína (Roacután, Accutane) en los últimos 6 meses?'], { required: true }),
        item('skin.isotretinoin-ongoing', 'boolean', ['Are you still taking it?', '¿La sigue tomando?'], { required: true, enableWhen: [whenTrue('skin.isotretinoin')] }),
        item('skin.isotretinoin-stop', 'date', ['When did you stop?', '¿Cuándo la dejó?'], {
          required: true,
          enableWhen: [whenTrue('skin.isotretinoin'), { question: 'skin.isotretinoin-ongoing', operator: '=', answerBoolean: false }],
          enableBehavior: 'all',
        }),
      ],
    }),
    item('aesthetic', 'group', ['Previous aesthetic treatments', 'Tratamientos estéticos previos'], {
      items: [
        item('aesthetic.any', 'boolean', ['Have you had aesthetic treatments before?', '¿Se ha hecho tratamientos estéticos antes?'], { required: true }),
        item('aesthetic.treatments', 'group', ['Treatments', 'Tratamientos'], {
          repeats: true,
          enableWhen: [whenTrue('aesthetic.any')],
          items: [
            item('aesthetic.treatments.type', 'choice', ['Treatment', 'Tratamiento'], {
              required: true,
              options: [
                o(WA, 'tx-botulinum-toxin', 'Botulinum toxin (e.g. Botox)', 'Toxina botulínica (p. ej., Botox)'),
                o(WA, 'tx-ha-filler', 'Hyaluronic acid filler', 'Relleno de ácido hialurónico'),
                o(WA, 'tx-other-filler', 'Other or permanent filler', 'Otro relleno o relleno permanente'),
                o(WA, 'tx-biostimulator', 'Biostimulator (poly-L-lactic acid, calcium hydroxylapatite)', 'Bioestimulador (ácido poli-L-láctico, hidroxiapatita cálcica)'),
                o(WA, 'tx-prp', 'Platelet-rich plasma (PRP)', 'Plasma rico en plaquetas (PRP)'),
                o(WA, 'tx-peel', 'Chemical peel', 'Peeling químico'),
                o(WA, 'tx-microneedling', 'Microneedling', 'Microagujas'),
                o(WA, 'tx-laser', 'Laser or IPL', 'Láser o luz pulsada'),
                o(WA, 'tx-energy', 'Radiofrequency or ultrasound tightening', 'Radiofrecuencia o ultrasonidos'),
                o(WA, 'tx-threads', 'Thread lift', 'Hilos tensores'),
                o(WA, 'tx-surgery', 'Cosmetic surgery', 'Cirugía estética'),
                o(WA, 'tx-other', 'Other', 'Otro'),
              ],
            }),
            item('aesthetic.treatments.product', 'string', ['Product, if known', 'Producto, si lo sabe']),
            item('aesthetic.treatments.area', 'string', ['Area treated', 'Zona tratada']),
            item('aesthetic.treatments.date', 'date', ['When (approximately)', 'Cuándo (aproximadamente)']),
            item('aesthetic.treatments.complication', 'boolean', ['Did you have any problem or complication?', '¿Tuvo algún problema o complicación?'], { required: true }),
            item('aesthetic.treatments.complication-detail', 'string', ['What happened?', '¿Qué ocurrió?'], {
              required: true,
              enableWhen: [whenTrue('aesthetic.treatments.complication')],
            }),
          ],
        }),
      ],
    }),
    item('women', 'group', ["Women's health", 'Salud de la mujer'], {
      enableWhen: [whenCode('about.sex', GENDER, 'female')],
      items: [
        item('women.pregnant', 'choice', ['Are you pregnant or could you be?', '¿Está embarazada o podría estarlo?'], {
          required: true,
          code: [{ system: LOINC, code: '82810-3', display: 'Pregnancy status' }],
          options: YES_NO_UNSURE,
        }),
        item('women.breastfeeding', 'boolean', ['Are you breastfeeding?', '¿Está dando el pecho?'], { required: true }),
        item('women.contraception', 'choice', ['Which contraception do you use?', '¿Qué método anticonceptivo usa?'], {
          enableWhen: [whenCode('women.pregnant', WA, 'no')],
          options: [
            o(WA, 'contraception-none', 'None', 'Ninguno'),
            o(WA, 'contraception-combined-pill', 'Combined pill, patch or ring', 'Píldora combinada, parche o anillo'),
            o(WA, 'contraception-progestogen', 'Progestogen-only pill, implant or injection', 'Píldora solo de progestágeno, implante o inyección'),
            o(WA, 'contraception-iud-hormonal', 'Hormonal IUD', 'DIU hormonal'),
            o(WA, 'contraception-iud-copper', 'Copper IUD', 'DIU de cobre'),
            o(WA, 'contraception-barrier', 'Condoms or other barrier', 'Preservativo u otro método de barrera'),
            o(WA, 'contraception-not-needed', 'Not needed (e.g. after menopause, sterilisation)', 'No lo necesito (p. ej., menopausia, esterilización)'),
          ],
        }),
        item('women.menopause', 'choice', ['Menopause', 'Menopausia'], {
          options: [
            o(WA, 'menopause-pre', 'I still have regular periods', 'Sigo teniendo reglas regulares'),
            o(WA, 'menopause-peri', 'My periods are changing (perimenopause)', 'Mis reglas están cambiando (perimenopausia)'),
            o(WA, 'menopause-post', 'My periods have stopped (postmenopause)', 'Ya no tengo reglas (posmenopausia)'),
          ],
        }),
      ],
    }),
    item('onc', 'group', ['Cancer history', 'Antecedentes oncológicos'], {
      items: [
        item('onc.any', 'boolean', ['Have you ever been treated for cancer (other than a skin cancer removed by minor surgery)?', '¿Ha recibido alguna vez tratamiento por un cáncer (aparte de un cáncer de piel extirpado con cirugía menor)?'], { required: true }),
        item('onc.episodes', 'group', ['Cancer', 'Cáncer'], {
          repeats: true,
          enableWhen: [whenTrue('onc.any')],
          items: [
            item('onc.episodes.diagnosis', 'open-choice', ['Diagnosis', 'Diagnóstico'], {
              required: true,
              options: [
                o(SCT, '254837009', 'Breast cancer', 'Cáncer de mama'),
                o(SCT, '399068003', 'Prostate cancer', 'Cáncer de próstata'),
                o(SCT, '363406005', 'Bowel (colorectal) cancer', 'Cáncer colorrectal'),
                o(SCT, '363358000', 'Lung cancer', 'Cáncer de pulmón'),
                o(SCT, '118600007', 'Lymphoma', 'Linfoma'),
                o(SCT, '93143009', 'Leukaemia', 'Leucemia'),
                o(SCT, '372244006', 'Melanoma', 'Melanoma'),
              ],
            }),
            item('onc.episodes.date', 'date', ['When was it diagnosed?', '¿Cuándo se diagnosticó?']),
            item('onc.episodes.treatment', 'group', ['Treatment', 'Tratamiento'], {
              repeats: true,
              items: [
                item('onc.episodes.treatment.type', 'choice', ['Type of treatment', 'Tipo de tratamiento'], {
                  required: true,
                  options: [
                    o(SCT, '367336001', 'Chemotherapy', 'Quimioterapia'),
                    o(SCT, '108290001', 'Radiotherapy', 'Radioterapia'),
                    o(SCT, '169413002', 'Hormonal therapy', 'Hormonoterapia'),
                    o(SCT, '387713003', 'Surgery', 'Cirugía'),
                    o(WA, 'onc-tx-immunotherapy', 'Immunotherapy or targeted therapy', 'Inmunoterapia o terapia dirigida'),
                  ],
                }),
                item('onc.episodes.treatment.start', 'date', ['Started', 'Inicio']),
                item('onc.episodes.treatment.ongoing', 'boolean', ['Still ongoing?', '¿Sigue en curso?'], { required: true }),
                item('onc.episodes.treatment.end', 'date', ['Finished', 'Fin'], {
                  enableWhen: [{ question: 'onc.episodes.treatment.ongoing', operator: '=', answerBoolean: false }],
                }),
              ],
            }),
          ],
        }),
      ],
    }),
    item('cv', 'group', ['Heart and circulation', 'Corazón y circulación'], {
      items: [
        item('cv.chest-pain', 'boolean', ['Do you get chest pain, pressure or tightness?', '¿Tiene dolor, presión u opresión en el pecho?'], { required: true }),
        item('cv.chest-pain-exertion', 'boolean', ['Does it come on with physical effort (walking uphill, stairs)?', '¿Aparece con el esfuerzo (cuestas, escaleras)?'], {
          required: true,
          enableWhen: [whenTrue('cv.chest-pain')],
        }),
        item('cv.breathless', 'boolean', ['Do you get short of breath more easily than others your age?', '¿Se queda sin aliento con más facilidad que otras personas de su edad?'], { required: true }),
        item('cv.breathless-exertion', 'boolean', ['Does it happen with light effort (one flight of stairs or less)?', '¿Le ocurre con esfuerzos ligeros (un tramo de escaleras o menos)?'], {
          required: true,
          enableWhen: [whenTrue('cv.breathless')],
        }),
        item('cv.palpitations', 'boolean', ['Do you feel palpitations (a racing or irregular heartbeat)?', '¿Nota palpitaciones (latidos rápidos o irregulares)?'], { required: true }),
        item('cv.high-bp', 'boolean', ['Have you been told you have high blood pressure?', '¿Le han dicho que tiene la tensión alta?'], { required: true }),
        item('cv.high-cholesterol', 'boolean', ['Have you been told you have high cholesterol?', '¿Le han dicho que tiene el colesterol alto?'], { required: true }),
        item('cv.diabetes', 'boolean', ['Have you been told you have diabetes?', '¿Le han dicho que tiene diabetes?'], { required: true }),
        item('cv.bp-known', 'boolean', ['Do you know a recent blood pressure reading?', '¿Conoce alguna medición reciente de su tensión arterial?']),
        item('cv.bp', 'group', ['Most recent blood pressure', 'Última tensión arterial'], {
          enableWhen: [whenTrue('cv.bp-known')],
          items: [
            item('cv.bp.systolic', 'integer', ['Systolic (upper number), mmHg', 'Sistólica (la alta), mmHg'], {
              required: true,
              min: 60,
              max: 260,
              unit: { system: 'http://unitsofmeasure.org', code: 'mm[Hg]', display: 'mmHg' },
              code: [{ system: LOINC, code: '8480-6', display: 'Systolic blood pressure' }],
            }),
            item('cv.bp.diastolic', 'integer', ['Diastolic (lower number), mmHg', 'Diastólica (la baja), mmHg'], {
              required: true,
              min: 30,
              max: 160,
              unit: { system: 'http://unitsofmeasure.org', code: 'mm[Hg]', display: 'mmHg' },
              code: [{ system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' }],
            }),
            item('cv.bp.date', 'date', ['Date of the reading', 'Fecha de la medición']),
          ],
        }),
      ],
    }),
    item('fitz', 'group', ['Your skin and the sun (Fitzpatrick skin type)', 'Su piel y el sol (fototipo de Fitzpatrick)'], {
      items: [
        fitz('fitz.eyes', ['What colour are your eyes?', '¿De qué color son sus ojos?'], [
          ['Light blue, light grey or light green', 'Azul claro, gris claro o verde claro'],
          ['Blue, grey or green', 'Azul, gris o verde'],
          ['Hazel or light brown', 'Avellana o marrón claro'],
          ['Dark brown', 'Marrón oscuro'],
          ['Brownish black', 'Negro parduzco'],
        ]),
        fitz('fitz.hair', ['What is your natural hair colour?', '¿Cuál es su color natural de pelo?'], [
          ['Red or sandy red', 'Pelirrojo'],
          ['Blond', 'Rubio'],
          ['Chestnut or dark blond', 'Castaño claro o rubio oscuro'],
          ['Dark brown', 'Castaño oscuro'],
          ['Black', 'Negro'],
        ]),
        fitz('fitz.skin-colour', ['What colour is your skin where it is not exposed to the sun?', '¿De qué color es su piel en las zonas no expuestas al sol?'], [
          ['Reddish', 'Rojiza'],
          ['Very pale', 'Muy pálida'],
          ['Pale with a beige tint', 'Pálida con tono beige'],
          ['Light brown', 'Marrón claro'],
          ['Dark brown', 'Marrón oscuro'],
        ]),
        fitz('fitz.freckles', ['Do you have freckles on areas not exposed to the sun?', '¿Tiene pecas en zonas no expuestas al sol?'], [
          ['Many', 'Muchas'],
          ['Several', 'Bastantes'],
          ['A few', 'Pocas'],
          ['Very few', 'Muy pocas'],
          ['None', 'Ninguna'],
        ]),
        fitz('fitz.burn', ['What happens when you stay in the sun too long?', '¿Qué le ocurre si está demasiado tiempo al sol?'], [
          ['Painful redness, blistering, peeling', 'Enrojecimiento doloroso, ampollas, descamación'],
          ['Blistering followed by peeling', 'Ampollas seguidas de descamación'],
          ['Burns, sometimes followed by peeling', 'Me quemo y a veces me pelo'],
          ['Rarely burns', 'Rara vez me quemo'],
          ['Never burns', 'Nunca me quemo'],
        ]),
        fitz('fitz.tan-degree', ['How much do you tan?', '¿Cuánto se broncea?'], [
          ['Hardly or not at all', 'Apenas o nada'],
          ['A light tan', 'Un bronceado ligero'],
          ['A reasonable tan', 'Un bronceado moderado'],
          ['I tan very easily', 'Me bronceo con mucha facilidad'],
          ['I turn dark brown quickly', 'Me pongo muy moreno/a rápidamente'],
        ]),
        fitz('fitz.tan-hours', ['Do you turn brown within several hours of sun exposure?', '¿Se pone moreno/a a las pocas horas de tomar el sol?'], [
          ['Never', 'Nunca'],
          ['Seldom', 'Rara vez'],
          ['Sometimes', 'A veces'],
          ['Often', 'A menudo'],
          ['Always', 'Siempre'],
        ]),
        fitz('fitz.face', ['How does your face react to the sun?', '¿Cómo reacciona su cara al sol?'], [
          ['Very sensitive', 'Muy sensible'],
          ['Sensitive', 'Sensible'],
          ['Normal', 'Normal'],
          ['Very resistant', 'Muy resistente'],
          ['Never had a problem', 'Nunca he tenido problemas'],
        ]),
        fitz('fitz.last-exposure', ['When did you last expose your body to the sun, a sunbed or tanning cream?', '¿Cuándo expuso su cuerpo por última vez al sol, a una cabina de rayos UVA o a una crema autobronceadora?'], [
          ['More than 3 months ago', 'Hace más de 3 meses'],
          ['2 to 3 months ago', 'Hace 2 o 3 meses'],
          ['1 to 2 months ago', 'Hace 1 o 2 meses'],
          ['Less than a month ago', 'Hace menos de un mes'],
          ['Less than 2 weeks ago', 'Hace menos de 2 semanas'],
        ]),
        fitz('fitz.face-exposure', ['Do you expose your face to the sun?', '¿Expone la cara al sol?'], [
          ['Never', 'Nunca'],
          ['Hardly ever', 'Casi nunca'],
          ['Sometimes', 'A veces'],
          ['Often', 'A menudo'],
          ['Always', 'Siempre'],
        ]),
      ],
    }),
    item('dcq', 'group', ['How you feel about your appearance (Dysmorphic Concern Questionnaire). Have you ever:', 'Cómo se siente con su aspecto (Cuestionario de Preocupación Dismórfica). ¿Alguna vez ha:'], {
      items: [
        dcq(1, ['Been very concerned about some aspect of your physical appearance?', 'Estado muy preocupado/a por algún aspecto de su apariencia física?']),
        dcq(2, ['Considered yourself misformed or misshapen in some way (e.g. nose, hair, skin, body build)?', 'Considerado que tiene alguna malformación o deformidad (p. ej., nariz, pelo, piel, complexión)?']),
        dcq(3, ['Considered your body to be malfunctional in some way (e.g. body odour, sweating)?', 'Considerado que su cuerpo funciona mal de algún modo (p. ej., olor corporal, sudor)?']),
        dcq(4, ['Consulted, or felt you needed to consult, a plastic surgeon, dermatologist or doctor about these concerns?', 'Consultado, o sentido que necesitaba consultar, a un cirujano plástico, dermatólogo o médico por estas preocupaciones?']),
        dcq(5, ['Been told by others or doctors that you look normal although you strongly believe something is wrong with your appearance or body?', 'Oído a otras personas o a médicos decir que su aspecto es normal aunque usted cree firmemente que algo va mal en su apariencia o su cuerpo?']),
        dcq(6, ['Spent a lot of time worrying about a defect in your appearance or bodily functioning?', 'Pasado mucho tiempo preocupado/a por un defecto de su apariencia o del funcionamiento de su cuerpo?']),
        dcq(7, ['Spent a lot of time covering up defects in your appearance or bodily functioning?', 'Pasado mucho tiempo ocultando defectos de su apariencia o del funcionamiento de su cuerpo?']),
      ],
    }),
  ];

  const questionnaire: Questionnaire & { _title?: unknown } = {
    resourceType: 'Questionnaire',
    id: 'aesthetic-intake',
    url: QUESTIONNAIRE_URL,
    version: QUESTIONNAIRE_VERSION,
    name: 'WellAgeAestheticIntake',
    title: 'Aesthetic and well-aging intake',
    status: 'active',
    subjectType: ['Patient'],
    date: '2026-11-28',
    publisher: 'WellAge',
    description:
      'Pre-visit intake for an aesthetic and well-aging clinic. Includes the Fitzpatrick skin-type self-assessment (Fitzpatrick 1988) and the Dysmorphic Concern Questionnaire (Oosthuizen 1998; cut-off per Mancuso 2010). Sources of every instrument and code: content/intake/README.md.',
    language: 'en',
    item: items,
  };
  questionnaire._title = { extension: [es('Cuestionario de admisión de medicina estética y envejecimiento saludable')] };
  return questionnaire;
}
