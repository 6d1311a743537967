/**
 * The preliminary medical history written from an intake: plain clinical English or Spanish,
 * deterministic, and traceable. Every sentence carries the linkIds of the answers it states;
 * a sentence with no source answer would be a defect (a test walks every sentence).
 *
 * Three kinds of sentence:
 * - `answer`: states answers; its linkIds are all answered in the response;
 * - `flag`: a red flag at the top, with the linkIds that raised it;
 * - `missing`: says what the patient has not answered yet; its linkIds are the unanswered
 *   items (so the web view can jump to them).
 *
 * As FHIR: a Composition (status preliminary, unsigned) whose sections hold an escaped XHTML
 * narrative, one `<span id="...">` per sentence, and one `note-sentence` extension per
 * sentence mapping its id to its kind and linkIds (see README.md).
 */
import type { Coding, Composition, CompositionSection, Extension, Patient, QuestionnaireResponse, Reference } from '@medplum/fhirtypes';
import { EXT_INTAKE_SOURCE } from './extract.ts';
import { itemOf, optionFor, type Lang, type QuestionnaireIndex, type Text } from './questionnaire-index.ts';
import { LOINC, WA } from './questionnaire-source.ts';
import { answersOf, boolOf, codingOf, codingsOf, dateOf, instancesOf, intOf, stringOf, type ResponseView, type Scope } from './response-view.ts';
import type { RedFlag } from './red-flags.ts';
import { FITZPATRICK_DESCRIPTIONS, type IntakeScores } from './scores.ts';
import type { MissingItem } from './validate-response.ts';

export const EXT_NOTE_SENTENCE = 'https://wellage.dev/fhir/StructureDefinition/note-sentence';

export type SentenceKind = 'answer' | 'flag' | 'missing';

export interface NoteSentence {
  /** Unique within the note; the XHTML span's id. */
  readonly id: string;
  readonly kind: SentenceKind;
  readonly text: string;
  readonly linkIds: readonly string[];
}

export type SectionCode =
  | 'red-flags'
  | 'incomplete'
  | 'chief-complaint'
  | 'present-concern'
  | 'past-history'
  | 'medications'
  | 'allergies'
  | 'family-history'
  | 'social-history'
  | 'skin-history'
  | 'aesthetic-history'
  | 'oncology-history'
  | 'review-of-systems'
  | 'screening-scores';

export interface NoteSection {
  readonly code: SectionCode;
  readonly title: string;
  readonly sentences: readonly NoteSentence[];
}

export interface HistoryNote {
  readonly lang: Lang;
  readonly title: string;
  readonly sections: readonly NoteSection[];
  /** True when no required answer is missing. */
  readonly complete: boolean;
}

/** Section titles and their codes (LOINC document-section codes where one exists). */
const SECTIONS: Record<SectionCode, { title: Text; code: Coding }> = {
  'red-flags': { title: { en: 'Red flags', es: 'Señales de alarma' }, code: { system: WA, code: 'section-red-flags', display: 'Red flags' } },
  incomplete: { title: { en: 'Incomplete intake', es: 'Cuestionario incompleto' }, code: { system: WA, code: 'section-incomplete', display: 'Unanswered items' } },
  'chief-complaint': { title: { en: 'Chief complaint and goals', es: 'Motivo de consulta y objetivos' }, code: { system: LOINC, code: '10154-3', display: 'Chief complaint Narrative - Reported' } },
  'present-concern': { title: { en: 'History of the present concern', es: 'Historia del motivo de consulta' }, code: { system: LOINC, code: '10164-2', display: 'History of Present illness Narrative' } },
  'past-history': { title: { en: 'Past medical and surgical history', es: 'Antecedentes médicos y quirúrgicos' }, code: { system: LOINC, code: '11348-0', display: 'History of Past illness Narrative' } },
  medications: { title: { en: 'Medications and supplements', es: 'Medicación y suplementos' }, code: { system: LOINC, code: '10160-0', display: 'History of Medication use Narrative' } },
  allergies: { title: { en: 'Allergies', es: 'Alergias' }, code: { system: LOINC, code: '48765-2', display: 'Allergies and adverse reactions Document' } },
  'family-history': { title: { en: 'Family history', es: 'Antecedentes familiares' }, code: { system: LOINC, code: '10157-6', display: 'History of family member diseases Narrative' } },
  'social-history': { title: { en: 'Social history', es: 'Hábitos y entorno' }, code: { system: LOINC, code: '29762-2', display: 'Social history Narrative' } },
  'skin-history': { title: { en: 'Skin history', es: 'Antecedentes dermatológicos' }, code: { system: WA, code: 'section-skin-history', display: 'Skin history' } },
  'aesthetic-history': { title: { en: 'Aesthetic history', es: 'Tratamientos estéticos previos' }, code: { system: WA, code: 'section-aesthetic-history', display: 'Aesthetic treatment history' } },
  'oncology-history': { title: { en: 'Oncology history', es: 'Antecedentes oncológicos' }, code: { system: WA, code: 'section-oncology-history', display: 'Oncology history' } },
  'review-of-systems': { title: { en: 'Review of systems', es: 'Revisión por sistemas' }, code: { system: LOINC, code: '10187-3', display: 'Review of systems Narrative - Reported' } },
  'screening-scores': { title: { en: 'Screening scores', es: 'Escalas de cribado' }, code: { system: WA, code: 'section-screening-scores', display: 'Screening scores' } },
};

/** The section code a Composition section's coding stands for (reading a stored note back). */
export function sectionCodeOf(coding: Coding | undefined): SectionCode | undefined {
  if (!coding) return undefined;
  for (const [code, def] of Object.entries(SECTIONS) as [SectionCode, (typeof SECTIONS)[SectionCode]][]) {
    if (def.code.system === coding.system && def.code.code === coding.code) return code;
  }
  return undefined;
}

export interface NoteInput {
  readonly view: ResponseView;
  readonly index: QuestionnaireIndex;
  readonly scores: IntakeScores;
  readonly flags: readonly RedFlag[];
  readonly missing: readonly MissingItem[];
  readonly lang: Lang;
}

const joinList = (items: readonly string[], lang: Lang, or = false): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${lang === 'en' ? (or ? 'or' : 'and') : or ? 'ni' : 'y'} ${items[items.length - 1]}`;
/** Lower-cases the first letter of an option label, except acronyms (HIV, IUD, PRP). */
const lower = (s: string): string => (/^[A-ZÁÉÍÓÚÑ]{2}/.test(s) ? s : s.charAt(0).toLowerCase() + s.slice(1));
/** Drops an option label's examples, e.g. "Botulinum toxin (e.g. Botox)" -> "Botulinum toxin". */
const plain = (s: string): string => s.replace(/\s*\((?:e\.g\.|p\. ej\.,)[^)]*\)/g, '');
const sentenceCase = (s: string): string => (s ? s[0]!.toUpperCase() + s.slice(1) : s);
/** Ends free text with a full stop unless it already ends a sentence. */
const stop = (s: string): string => (/[.!?…]["”»)]?$/.test(s) ? s : `${s}.`);

/** Writes the note. Pure and deterministic. */
export function writeHistoryNote(input: NoteInput): HistoryNote {
  const { view, index, scores, flags, missing, lang } = input;
  const root = view.root;
  const L = (en: string, es: string): string => (lang === 'en' ? en : es);
  const opt = (linkId: string, scope: Scope = root): string | undefined => {
    const c = codingOf(scope, linkId);
    if (c) return plain(optionFor(itemOf(index, linkId), c)?.display[lang] ?? c.display ?? c.code ?? '');
    return stringOf(scope, linkId);
  };
  const opts = (linkId: string, scope: Scope = root): string[] =>
    answersOf(scope, linkId).flatMap((a) => (a.valueCoding ? [plain(optionFor(itemOf(index, linkId), a.valueCoding)?.display[lang] ?? a.valueCoding.display ?? a.valueCoding.code ?? '')] : a.valueString ? [a.valueString] : []));
  const has = (linkId: string, scope: Scope = root): boolean => answersOf(scope, linkId).length > 0;
  /** The linkIds among these that are answered in scope. */
  const src = (scope: Scope, ...linkIds: string[]): string[] => linkIds.filter((l) => has(l, scope));

  const sections: NoteSection[] = [];
  let current: { code: SectionCode; sentences: NoteSentence[] } | undefined;
  const section = (code: SectionCode, body: () => void): void => {
    current = { code, sentences: [] };
    body();
    if (current.sentences.length) sections.push({ code, title: SECTIONS[code].title[lang], sentences: current.sentences });
    current = undefined;
  };
  const say = (text: string, linkIds: readonly string[], kind: SentenceKind = 'answer'): void => {
    if (!current) throw new Error('sentence outside a section');
    if (kind === 'answer' && linkIds.length === 0) throw new Error(`unsourced sentence: ${text}`);
    current.sentences.push({ id: `${current.code}-${current.sentences.length + 1}`, kind, text, linkIds: [...new Set(linkIds)] });
  };

  section('red-flags', () => {
    for (const f of flags) {
      const sev = f.severity === 'urgent' ? L('URGENT', 'URGENTE') : f.severity === 'high' ? L('High', 'Alta') : L('Moderate', 'Moderada');
      say(`${sev}: ${f.title[lang]}. ${f.reason[lang]} ${L('Suggested', 'Sugerencia')}: ${f.action[lang]}`, f.linkIds, 'flag');
    }
  });

  section('incomplete', () => {
    if (missing.length === 0) return;
    const names = missing.map((m) => `“${itemOf(index, m.linkId).text[lang]}”${m.instance ? ` (${m.instance})` : ''}`);
    say(
      L(`The intake is incomplete: ${missing.length} required answer${missing.length === 1 ? ' is' : 's are'} missing: ${names.join('; ')}.`, `El cuestionario está incompleto: falta${missing.length === 1 ? '' : 'n'} ${missing.length} respuesta${missing.length === 1 ? '' : 's'} obligatoria${missing.length === 1 ? '' : 's'}: ${names.join('; ')}.`),
      missing.map((m) => m.linkId),
      'missing',
    );
  });

  section('chief-complaint', () => {
    const age = intOf(root, 'about.age');
    const sex = codingOf(root, 'about.sex')?.code;
    if (age !== undefined || sex) {
      const who = sex === 'female' ? L('woman', 'Mujer') : sex === 'male' ? L('man', 'Hombre') : L('patient', 'Paciente');
      const text = age !== undefined ? L(`${age}-year-old ${who}.`, `${who} de ${age} años.`) : L(`${sentenceCase(who)}, age not given.`, `${who}, edad no indicada.`);
      say(sex === 'other' ? L(`${age ?? '?'}-year-old patient (sex: other or intersex).`, `Paciente de ${age ?? '?'} años (sexo: otro o intersexual).`) : text, src(root, 'about.age', 'about.sex'));
    }
    const concerns = opts('reason.concerns');
    if (concerns.length) say(L(`Concerns: ${joinList(concerns.map(lower), 'en')}.`, `Consulta por: ${joinList(concerns.map(lower), 'es')}.`), ['reason.concerns']);
    const main = stringOf(root, 'reason.main');
    if (main) say(L(`In the patient's words: “${main}”`, `En palabras del paciente: «${main}»`), ['reason.main']);
  });

  section('present-concern', () => {
    const duration = opt('reason.duration');
    if (duration) say(L(`Present for ${lower(duration)}.`, `Tiempo de evolución: ${lower(duration)}.`), ['reason.duration']);
    const expectation = opt('reason.expectation');
    if (expectation) say(L(`Hopes for a result that is: ${lower(expectation)}.`, `Espera un resultado: ${lower(expectation)}.`), ['reason.expectation']);
  });

  section('past-history', () => {
    const conditions = codingsOf(root, 'pmh.conditions');
    if (conditions.some((c) => c.code === 'none')) say(L('None of the listed conditions.', 'Ninguna de las enfermedades de la lista.'), ['pmh.conditions']);
    else if (conditions.length) {
      const detail = stringOf(root, 'pmh.autoimmune-detail');
      const names = opts('pmh.conditions').map((n, i) => (conditions[i]?.code === '85828009' && detail ? `${lower(n)} (${detail})` : lower(n)));
      say(L(`Reports ${joinList(names, 'en')}.`, `Refiere ${joinList(names, 'es')}.`), src(root, 'pmh.conditions', ...(detail ? ['pmh.autoimmune-detail'] : [])));
    }
    const cv: [string, Text][] = [
      ['cv.high-bp', { en: 'high blood pressure', es: 'hipertensión arterial' }],
      ['cv.high-cholesterol', { en: 'high cholesterol', es: 'colesterol alto' }],
      ['cv.diabetes', { en: 'diabetes', es: 'diabetes' }],
    ];
    const yes = cv.filter(([l]) => boolOf(root, l) === true);
    const no = cv.filter(([l]) => boolOf(root, l) === false);
    if (yes.length) say(L(`Has been told of ${joinList(yes.map(([, t]) => t.en), 'en')}.`, `Le han diagnosticado ${joinList(yes.map(([, t]) => t.es), 'es')}.`), yes.map(([l]) => l));
    if (no.length) say(L(`No known ${joinList(no.map(([, t]) => t.en), 'en', true)}.`, `No le han diagnosticado ${joinList(no.map(([, t]) => t.es), 'es', true)}.`), no.map(([l]) => l));
    const other = stringOf(root, 'pmh.other');
    if (other) say(L(`Other: ${stop(other)}`, `Otros: ${stop(other)}`), ['pmh.other']);
    if (boolOf(root, 'pmh.surgery') === false) say(L('No previous operations.', 'Sin intervenciones quirúrgicas previas.'), ['pmh.surgery']);
    for (const s of instancesOf(root, 'pmh.surgeries')) {
      const name = stringOf(s, 'pmh.surgeries.procedure');
      if (!name) continue;
      const date = dateOf(s, 'pmh.surgeries.date');
      say(L(`Operation: ${name}${date ? ` (${date})` : ''}.`, `Intervención: ${name}${date ? ` (${date})` : ''}.`), ['pmh.surgery', ...src(s, 'pmh.surgeries.procedure', 'pmh.surgeries.date')]);
    }
  });

  section('medications', () => {
    if (boolOf(root, 'med.any') === false) say(L('Takes no medicines or supplements.', 'No toma medicamentos ni suplementos.'), ['med.any']);
    for (const m of instancesOf(root, 'med.list')) {
      const name = opt('med.list.name', m);
      if (!name) continue;
      const dose = stringOf(m, 'med.list.dose');
      const reason = stringOf(m, 'med.list.reason');
      say(`${name}${dose ? `, ${dose}` : ''}${reason ? L(`, for ${lower(reason)}`, `, para ${lower(reason)}`) : ''}.`, src(m, 'med.list.name', 'med.list.dose', 'med.list.reason'));
    }
    const thinner = boolOf(root, 'med.blood-thinner');
    if (thinner === true) say(L('Takes a blood thinner (anticoagulant or antiplatelet).', 'Toma un anticoagulante o antiagregante.'), ['med.blood-thinner']);
    if (thinner === false) say(L('Takes no blood thinners.', 'No toma anticoagulantes ni antiagregantes.'), ['med.blood-thinner']);
    const immuno = boolOf(root, 'med.immunosuppressant');
    if (immuno === true) say(L('Takes medicines that weaken the immune system.', 'Toma medicamentos inmunosupresores.'), ['med.immunosuppressant']);
    if (immuno === false) say(L('Takes no immunosuppressive medicines.', 'No toma medicamentos inmunosupresores.'), ['med.immunosuppressant']);
  });

  section('allergies', () => {
    if (boolOf(root, 'allergy.any') === false) say(L('No known allergies.', 'Sin alergias conocidas.'), ['allergy.any']);
    for (const a of instancesOf(root, 'allergy.list')) {
      const name = opt('allergy.list.substance', a);
      if (!name) continue;
      const reaction = stringOf(a, 'allergy.list.reaction');
      say(L(`Allergy to ${lower(name)}${reaction ? ` (reaction: ${reaction})` : ''}.`, `Alergia a ${lower(name)}${reaction ? ` (reacción: ${reaction})` : ''}.`), src(a, 'allergy.list.substance', 'allergy.list.reaction'));
    }
  });

  section('family-history', () => {
    const items: [string, string, Text][] = [
      ['fhx.melanoma', 'fhx.melanoma-who', { en: 'melanoma', es: 'melanoma' }],
      ['fhx.skin-cancer', 'fhx.skin-cancer-who', { en: 'other skin cancer', es: 'otro cáncer de piel' }],
      ['fhx.early-cvd', 'fhx.early-cvd-who', { en: 'early heart attack or stroke (man before 55, woman before 65)', es: 'infarto o ictus precoz (hombre antes de 55, mujer antes de 65)' }],
      ['fhx.diabetes', 'fhx.diabetes-who', { en: 'diabetes', es: 'diabetes' }],
    ];
    for (const [yes, who, what] of items) {
      if (boolOf(root, yes) !== true) continue;
      const relatives = opts(who).map(lower);
      say(L(`${sentenceCase(what.en)}${relatives.length ? ` in: ${joinList(relatives, 'en')}` : ' in a blood relative'}.`, `${sentenceCase(what.es)}${relatives.length ? ` en: ${joinList(relatives, 'es')}` : ' en un familiar consanguíneo'}.`), src(root, yes, who));
    }
    const no = items.filter(([yes]) => boolOf(root, yes) === false);
    if (no.length) say(L(`No family history of ${joinList(no.map(([, , w]) => w.en), 'en', true)}.`, `Sin antecedentes familiares de ${joinList(no.map(([, , w]) => w.es), 'es', true)}.`), no.map(([l]) => l));
  });

  section('social-history', () => {
    const smoking = codingOf(root, 'social.smoking')?.code;
    const perDay = intOf(root, 'social.cigarettes-per-day');
    const years = intOf(root, 'social.smoking-years');
    const quit = dateOf(root, 'social.quit-date');
    const py = scores.packYears?.status === 'scored' ? scores.packYears.packYears : undefined;
    const amount = [
      perDay !== undefined ? L(`${perDay} cigarettes a day`, `${perDay} cigarrillos al día`) : undefined,
      years !== undefined ? L(`for ${years} years`, `durante ${years} años`) : undefined,
      py !== undefined ? L(`${py} pack-years`, `${py} paquetes-año`) : undefined,
    ].filter((x): x is string => x !== undefined);
    const tail = amount.length ? `: ${amount.join(', ')}` : '';
    const smokeSrc = src(root, 'social.smoking', 'social.cigarettes-per-day', 'social.smoking-years', 'social.quit-date');
    if (smoking === '266919005') say(L('Never smoked.', 'No ha fumado nunca.'), ['social.smoking']);
    else if (smoking === '449868002') say(L(`Smokes every day${tail}.`, `Fuma a diario${tail}.`), smokeSrc);
    else if (smoking === '428041000124106') say(L(`Smokes on some days${tail}.`, `Fuma algunos días${tail}.`), smokeSrc);
    else if (smoking === '8517006') say(L(`Former smoker${quit ? `, stopped ${quit}` : ''}${tail}.`, `Exfumador/a${quit ? `, lo dejó en ${quit}` : ''}${tail}.`), smokeSrc);
    const alcohol = opt('social.alcohol');
    const drinks = intOf(root, 'social.drinks-per-week');
    if (alcohol) {
      say(
        codingOf(root, 'social.alcohol')?.code === 'LA6270-8'
          ? L('Does not drink alcohol.', 'No bebe alcohol.')
          : L(`Drinks alcohol ${lower(alcohol)}${drinks !== undefined ? `, about ${drinks} drinks a week` : ''}.`, `Bebe alcohol: ${lower(alcohol)}${drinks !== undefined ? `, unas ${drinks} bebidas por semana` : ''}.`),
        src(root, 'social.alcohol', 'social.drinks-per-week'),
      );
    }
    const sun = opt('social.sun-exposure');
    const sunscreen = opt('social.sunscreen');
    const burns = opt('social.sunburns');
    const beds = boolOf(root, 'social.tanning-beds');
    const parts = [
      sun ? L(`sun exposure: ${lower(sun)}`, `exposición solar: ${lower(sun)}`) : undefined,
      sunscreen ? L(`facial sunscreen: ${lower(sunscreen)}`, `protector solar facial: ${lower(sunscreen)}`) : undefined,
      burns ? L(`blistering sunburns in life: ${lower(burns)}`, `quemaduras solares con ampollas: ${lower(burns)}`) : undefined,
      beds === true ? L('has used tanning beds', 'ha usado cabinas de rayos UVA') : beds === false ? L('never used tanning beds', 'nunca ha usado cabinas de rayos UVA') : undefined,
    ].filter((x): x is string => x !== undefined);
    if (parts.length) say(`${sentenceCase(parts.join('; '))}.`, src(root, 'social.sun-exposure', 'social.sunscreen', 'social.sunburns', 'social.tanning-beds'));
    const occupation = stringOf(root, 'social.occupation');
    if (occupation) say(L(`Occupation: ${stop(occupation)}`, `Ocupación: ${stop(occupation)}`), ['social.occupation']);
  });

  section('skin-history', () => {
    const mole = boolOf(root, 'skin.mole-change');
    if (mole === true) {
      const how = opts('skin.mole-change-how').map(lower);
      const where = stringOf(root, 'skin.mole-change-where');
      say(
        L(`Reports a new, changing, bleeding or itching mole or spot${how.length ? ` (${joinList(how, 'en')})` : ''}${where ? `; site: ${where}` : ''}.`, `Refiere un lunar o mancha nuevo, cambiante, que sangra o pica${how.length ? ` (${joinList(how, 'es')})` : ''}${where ? `; localización: ${where}` : ''}.`),
        src(root, 'skin.mole-change', 'skin.mole-change-how', 'skin.mole-change-where'),
      );
    } else if (mole === false) say(L('No new or changing moles.', 'Sin lunares nuevos ni cambiantes.'), ['skin.mole-change']);
    const cancer = boolOf(root, 'skin.cancer');
    if (cancer === true) {
      const types = opts('skin.cancer-type').map(lower);
      const date = dateOf(root, 'skin.cancer-date');
      say(L(`Previous skin cancer${types.length ? `: ${joinList(types, 'en')}` : ''}${date ? ` (most recent ${date})` : ''}.`, `Cáncer de piel previo${types.length ? `: ${joinList(types, 'es')}` : ''}${date ? ` (el más reciente en ${date})` : ''}.`), src(root, 'skin.cancer', 'skin.cancer-type', 'skin.cancer-date'));
    } else if (cancer === false) say(L('No previous skin cancer.', 'Sin cáncer de piel previo.'), ['skin.cancer']);
    const conditions = codingsOf(root, 'skin.conditions');
    if (conditions.some((c) => c.code === 'none')) say(L('None of the listed skin conditions.', 'Ninguna de las enfermedades cutáneas de la lista.'), ['skin.conditions']);
    else if (conditions.length) say(L(`Skin conditions: ${joinList(opts('skin.conditions').map(lower), 'en')}.`, `Enfermedades cutáneas: ${joinList(opts('skin.conditions').map(lower), 'es')}.`), ['skin.conditions']);
    const keloid = boolOf(root, 'skin.keloid');
    if (keloid === true) say(L('Forms keloid scars.', 'Tendencia a cicatrices queloides.'), ['skin.keloid']);
    if (keloid === false) say(L('No keloid scarring.', 'Sin cicatrices queloides.'), ['skin.keloid']);
    const COLD: Record<string, Text> = {
      'cold-sores-never': { en: 'No cold sores.', es: 'Sin herpes labial.' },
      'cold-sores-occasional': { en: 'Occasional cold sores.', es: 'Herpes labial ocasional.' },
      'cold-sores-frequent': { en: 'Frequent cold sores (more than 3 a year).', es: 'Herpes labial frecuente (más de 3 al año).' },
      'cold-sores-active': { en: 'Has an active cold sore now.', es: 'Herpes labial activo en este momento.' },
    };
    const cold = codingOf(root, 'skin.cold-sores')?.code;
    if (cold && COLD[cold]) say(COLD[cold][lang], ['skin.cold-sores']);
    const ACNE: Record<string, Text> = {
      'acne-never': { en: 'No history of acne.', es: 'Sin antecedentes de acné.' },
      'acne-past': { en: 'Acne in the past.', es: 'Acné en el pasado.' },
      'acne-current': { en: 'Current acne.', es: 'Acné actual.' },
    };
    const acne = codingOf(root, 'skin.acne')?.code;
    if (acne && ACNE[acne]) say(ACNE[acne][lang], ['skin.acne']);
    const iso = boolOf(root, 'skin.isotretinoin');
    if (iso === true) {
      const ongoing = boolOf(root, 'skin.isotretinoin-ongoing');
      const stopped = dateOf(root, 'skin.isotretinoin-stop');
      say(
        ongoing === true
          ? L('Is taking isotretinoin.', 'Está tomando isotretinoína.')
          : L(`Took isotretinoin in the last 6 months${stopped ? `; stopped ${stopped}` : ''}.`, `Ha tomado isotretinoína en los últimos 6 meses${stopped ? `; la dejó en ${stopped}` : ''}.`),
        src(root, 'skin.isotretinoin', 'skin.isotretinoin-ongoing', 'skin.isotretinoin-stop'),
      );
    } else if (iso === false) say(L('No isotretinoin in the last 6 months.', 'Sin isotretinoína en los últimos 6 meses.'), ['skin.isotretinoin']);
  });

  section('aesthetic-history', () => {
    if (boolOf(root, 'aesthetic.any') === false) say(L('No previous aesthetic treatments.', 'Sin tratamientos estéticos previos.'), ['aesthetic.any']);
    for (const tx of instancesOf(root, 'aesthetic.treatments')) {
      const type = opt('aesthetic.treatments.type', tx);
      if (!type) continue;
      const product = stringOf(tx, 'aesthetic.treatments.product');
      const area = stringOf(tx, 'aesthetic.treatments.area');
      const date = dateOf(tx, 'aesthetic.treatments.date');
      const complication = boolOf(tx, 'aesthetic.treatments.complication');
      const detail = stringOf(tx, 'aesthetic.treatments.complication-detail');
      const bits = [product ? L(`product ${product}`, `producto ${product}`) : undefined, area ? L(`area: ${area}`, `zona: ${area}`) : undefined, date].filter((x): x is string => x !== undefined);
      const outcome =
        complication === true ? L(`complication: ${detail ?? 'reported, not described'}`, `complicación: ${detail ?? 'referida, sin descripción'}`) : complication === false ? L('no complications', 'sin complicaciones') : undefined;
      say(`${type}${bits.length ? ` (${bits.join('; ')})` : ''}${outcome ? `; ${outcome}` : ''}.`, src(tx, 'aesthetic.treatments.type', 'aesthetic.treatments.product', 'aesthetic.treatments.area', 'aesthetic.treatments.date', 'aesthetic.treatments.complication', 'aesthetic.treatments.complication-detail'));
    }
  });

  section('oncology-history', () => {
    if (boolOf(root, 'onc.any') === false) say(L('No history of cancer treatment.', 'Sin antecedentes de tratamiento oncológico.'), ['onc.any']);
    for (const episode of instancesOf(root, 'onc.episodes')) {
      const diagnosis = opt('onc.episodes.diagnosis', episode);
      const date = dateOf(episode, 'onc.episodes.date');
      if (diagnosis) say(L(`${diagnosis}${date ? `, diagnosed ${date}` : ''}.`, `${diagnosis}${date ? `, diagnosticado en ${date}` : ''}.`), src(episode, 'onc.episodes.diagnosis', 'onc.episodes.date'));
      for (const tx of instancesOf(episode, 'onc.episodes.treatment')) {
        const type = opt('onc.episodes.treatment.type', tx);
        if (!type) continue;
        const start = dateOf(tx, 'onc.episodes.treatment.start');
        const end = dateOf(tx, 'onc.episodes.treatment.end');
        const ongoing = boolOf(tx, 'onc.episodes.treatment.ongoing');
        const span =
          ongoing === true
            ? L(`${start ? ` from ${start}` : ''}, ongoing`, `${start ? ` desde ${start}` : ''}, en curso`)
            : start && end && start === end
              ? L(` on ${start}`, ` el ${start}`)
              : `${start ? L(` from ${start}`, ` desde ${start}`) : ''}${end ? L(` to ${end}`, ` hasta ${end}`) : ''}${ongoing === false ? L(', completed', ', finalizado') : ''}`;
        say(`${type}${span}.`, src(tx, 'onc.episodes.treatment.type', 'onc.episodes.treatment.start', 'onc.episodes.treatment.end', 'onc.episodes.treatment.ongoing'));
      }
    }
  });

  section('review-of-systems', () => {
    const symptom = (linkId: string, follow: string, yes: Text, yesFollow: Text, noFollow: Text, no: Text): void => {
      const v = boolOf(root, linkId);
      const f = boolOf(root, follow);
      if (v === true) say(f === true ? yesFollow[lang] : f === false ? noFollow[lang] : yes[lang], src(root, linkId, follow));
      else if (v === false) say(no[lang], [linkId]);
    };
    symptom(
      'cv.chest-pain',
      'cv.chest-pain-exertion',
      { en: 'Reports chest pain, pressure or tightness.', es: 'Refiere dolor u opresión torácica.' },
      { en: 'Reports chest pain, pressure or tightness brought on by exertion.', es: 'Refiere dolor u opresión torácica con el esfuerzo.' },
      { en: 'Reports chest pain, pressure or tightness, not related to exertion.', es: 'Refiere dolor u opresión torácica no relacionado con el esfuerzo.' },
      { en: 'Denies chest pain.', es: 'Niega dolor torácico.' },
    );
    symptom(
      'cv.breathless',
      'cv.breathless-exertion',
      { en: 'Reports getting breathless more easily than others of the same age.', es: 'Refiere disnea con más facilidad que otras personas de su edad.' },
      { en: 'Reports breathlessness on light exertion (one flight of stairs or less).', es: 'Refiere disnea con esfuerzos ligeros (un tramo de escaleras o menos).' },
      { en: 'Reports getting breathless more easily than others of the same age, but not on light exertion.', es: 'Refiere disnea con más facilidad que otras personas de su edad, pero no con esfuerzos ligeros.' },
      { en: 'Denies breathlessness.', es: 'Niega disnea.' },
    );
    const palp = boolOf(root, 'cv.palpitations');
    if (palp === true) say(L('Reports palpitations.', 'Refiere palpitaciones.'), ['cv.palpitations']);
    if (palp === false) say(L('Denies palpitations.', 'Niega palpitaciones.'), ['cv.palpitations']);
    const sys = intOf(root, 'cv.bp.systolic');
    const dia = intOf(root, 'cv.bp.diastolic');
    const bpDate = dateOf(root, 'cv.bp.date');
    if (sys !== undefined && dia !== undefined) {
      say(L(`Last known blood pressure ${sys}/${dia} mmHg${bpDate ? ` (${bpDate})` : ''}, patient-reported.`, `Última tensión arterial conocida ${sys}/${dia} mmHg${bpDate ? ` (${bpDate})` : ''}, referida por el paciente.`), src(root, 'cv.bp-known', 'cv.bp.systolic', 'cv.bp.diastolic', 'cv.bp.date'));
    } else if (boolOf(root, 'cv.bp-known') === false) say(L('Does not know a recent blood pressure reading.', 'No conoce ninguna medición reciente de su tensión arterial.'), ['cv.bp-known']);
    const PREG: Record<string, Text> = {
      yes: { en: 'Pregnant.', es: 'Embarazada.' },
      no: { en: 'Not pregnant.', es: 'No está embarazada.' },
      unsure: { en: 'Not sure whether pregnant.', es: 'No sabe si está embarazada.' },
    };
    const preg = codingOf(root, 'women.pregnant')?.code;
    if (preg && PREG[preg]) say(PREG[preg][lang], ['women.pregnant']);
    const bf = boolOf(root, 'women.breastfeeding');
    if (bf === true) say(L('Breastfeeding.', 'En periodo de lactancia.'), ['women.breastfeeding']);
    if (bf === false) say(L('Not breastfeeding.', 'No da el pecho.'), ['women.breastfeeding']);
    const contraception = opt('women.contraception');
    if (contraception) say(L(`Contraception: ${lower(contraception)}.`, `Anticoncepción: ${lower(contraception)}.`), ['women.contraception']);
    const MENO: Record<string, Text> = {
      'menopause-pre': { en: 'Premenopausal (regular periods).', es: 'Premenopáusica (reglas regulares).' },
      'menopause-peri': { en: 'Perimenopausal.', es: 'Perimenopáusica.' },
      'menopause-post': { en: 'Postmenopausal.', es: 'Posmenopáusica.' },
    };
    const meno = codingOf(root, 'women.menopause')?.code;
    if (meno && MENO[meno]) say(MENO[meno][lang], ['women.menopause']);
  });

  section('screening-scores', () => {
    const f = scores.fitzpatrick;
    if (f.status === 'scored') {
      say(L(`Fitzpatrick skin type ${f.type} (self-assessment score ${f.total} of 40: ${FITZPATRICK_DESCRIPTIONS[f.type].en}).`, `Fototipo de Fitzpatrick ${f.type} (autoevaluación ${f.total} de 40: ${FITZPATRICK_DESCRIPTIONS[f.type].es}).`), f.linkIds);
    } else if (f.linkIds.length) {
      say(L(`Fitzpatrick skin type not scored: ${f.missing.length} of 10 questions unanswered.`, `Fototipo de Fitzpatrick sin puntuar: faltan ${f.missing.length} de 10 preguntas.`), f.missing, 'missing');
    }
    const d = scores.dcq;
    if (d.status === 'scored') {
      say(
        d.positive
          ? L(`Dysmorphic Concern Questionnaire ${d.total} of 21: positive screen for body dysmorphic concern (cut-off ${d.cutoff}; Mancuso 2010). A screen, not a diagnosis.`, `Cuestionario de Preocupación Dismórfica ${d.total} de 21: cribado positivo de preocupación dismórfica (punto de corte ${d.cutoff}; Mancuso 2010). Un cribado no es un diagnóstico.`)
          : L(`Dysmorphic Concern Questionnaire ${d.total} of 21: negative screen (cut-off ${d.cutoff}; Mancuso 2010).`, `Cuestionario de Preocupación Dismórfica ${d.total} de 21: cribado negativo (punto de corte ${d.cutoff}; Mancuso 2010).`),
        d.linkIds,
      );
    } else if (d.linkIds.length) {
      say(L(`Dysmorphic Concern Questionnaire not scored: ${d.missing.length} of 7 questions unanswered.`, `Cuestionario de Preocupación Dismórfica sin puntuar: faltan ${d.missing.length} de 7 preguntas.`), d.missing, 'missing');
    }
  });

  return {
    lang,
    title: L('Preliminary medical history (patient intake, unsigned)', 'Historia clínica preliminar (cuestionario del paciente, sin firmar)'),
    sections,
    complete: missing.length === 0,
  };
}

/** Escapes text for XHTML: a `<script>` answer stays text. */
export function escapeXhtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export interface CompositionOptions {
  readonly patient: Reference<Patient>;
  readonly response: Reference<QuestionnaireResponse>;
  /** The note's date: ISO date or date-time. */
  readonly asOf: string;
  /** Defaults to a display-only reference naming the intake as the author. */
  readonly author?: NonNullable<Composition['author']>[number];
}

/** The note as a preliminary FHIR Composition; its signature comes later, by a clinician. */
export function noteToComposition(note: HistoryNote, options: CompositionOptions): Composition {
  const section = (s: NoteSection): CompositionSection => {
    const def = SECTIONS[s.code];
    const div = `<div xmlns="http://www.w3.org/1999/xhtml">${s.sentences.map((x) => `<p><span id="${x.id}">${escapeXhtml(x.text)}</span></p>`).join('')}</div>`;
    const extension: Extension[] = s.sentences.map((x) => ({
      url: EXT_NOTE_SENTENCE,
      extension: [{ url: 'sentence', valueString: x.id }, { url: 'kind', valueCode: x.kind }, ...x.linkIds.map((l) => ({ url: 'linkId', valueString: l }))],
    }));
    return { extension, title: s.title, code: { coding: [def.code], text: s.title }, text: { status: 'generated', div } };
  };
  return {
    resourceType: 'Composition',
    language: note.lang,
    extension: [{ url: EXT_INTAKE_SOURCE, extension: [{ url: 'questionnaireResponse', valueReference: options.response }] }],
    status: 'preliminary',
    type: { coding: [{ system: LOINC, code: '34117-2', display: 'History and physical note' }], text: note.title },
    subject: options.patient,
    date: options.asOf,
    author: [options.author ?? { display: 'WellAge intake (patient-reported, awaiting clinician review)' }],
    title: note.title,
    section: note.sections.map(section),
  };
}

/** The note as plain text (the CLI's output), each sentence followed by its linkIds. */
export function noteToText(note: HistoryNote, options: { withSources?: boolean } = {}): string {
  const lines: string[] = [note.title, '='.repeat(note.title.length)];
  for (const s of note.sections) {
    lines.push('', s.title, '-'.repeat(s.title.length));
    for (const x of s.sentences) lines.push(options.withSources === false || x.linkIds.length === 0 ? x.text : `${x.text} [${x.linkIds.join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}
