/**
 * Red flags: answers a clinician must see before anything else. Each flag has a stable code,
 * a severity, the reason and a suggested action in English and Spanish, the linkIds of the
 * answers that raised it, and the clinical basis it rests on. Flags are suggestions for the
 * clinician, never decisions. Pure: "now" is `asOf`.
 */
import type { Coding } from '@medplum/fhirtypes';
import { itemOf, optionFor, type QuestionnaireIndex, type Text } from './questionnaire-index.ts';
import { SCT, RXNORM } from './questionnaire-source.ts';
import { answersOf, boolOf, codingOf, codingsOf, dateOf, instancesOf, type ResponseView, type Scope } from './response-view.ts';
import type { IntakeScores } from './scores.ts';
import { addMonths, dateStart } from './dates.ts';

export type RedFlagSeverity = 'urgent' | 'high' | 'moderate';

export type RedFlagCode =
  | 'CHANGING_MOLE'
  | 'MELANOMA_PERSONAL'
  | 'MELANOMA_FAMILY'
  | 'EXERTIONAL_CHEST_PAIN'
  | 'EXERTIONAL_BREATHLESSNESS'
  | 'IMMUNOSUPPRESSION'
  | 'RECENT_CHEMO_RADIOTHERAPY'
  | 'PREGNANCY'
  | 'BREASTFEEDING'
  | 'ANTITHROMBOTIC'
  | 'RECENT_ISOTRETINOIN'
  | 'ACTIVE_COLD_SORE'
  | 'KELOID_HISTORY'
  | 'AUTOIMMUNE_DISEASE'
  | 'PRODUCT_ALLERGY'
  | 'DYSMORPHIC_SCREEN_POSITIVE';

export interface RedFlag {
  readonly code: RedFlagCode;
  readonly severity: RedFlagSeverity;
  readonly title: Text;
  readonly reason: Text;
  readonly action: Text;
  /** linkIds of the answers that raised the flag (all answered in the response). */
  readonly linkIds: readonly string[];
  /** The clinical basis, with its citation. */
  readonly basis: string;
}

interface Rule {
  readonly code: RedFlagCode;
  readonly severity: RedFlagSeverity;
  readonly title: Text;
  readonly action: Text;
  readonly basis: string;
}

/** The catalogue: one entry per flag, with its basis. Order = display order within a severity. */
export const RED_FLAG_RULES: Record<RedFlagCode, Rule> = {
  CHANGING_MOLE: {
    code: 'CHANGING_MOLE',
    severity: 'urgent',
    title: { en: 'New, changing, bleeding or itching mole', es: 'Lunar nuevo, cambiante, que sangra o pica' },
    action: { en: 'Examine the lesion (dermoscopy) at this visit and refer urgently if suspicious; do not treat over it.', es: 'Explorar la lesión (dermatoscopia) en esta visita y derivar con urgencia si es sospechosa; no tratar sobre ella.' },
    basis:
      'Evolution is the strongest melanoma sign (ABCDE: Abbasi NR et al. JAMA 2004;292:2771-6); Elevated-Firm-Growing for nodular melanoma (Kelly JW et al., Med J Aust 2003); change in size, shape or colour are major and bleeding or itch minor features of the weighted 7-point checklist (NICE NG12, suspected cancer, 2015, updated 2023).',
  },
  MELANOMA_PERSONAL: {
    code: 'MELANOMA_PERSONAL',
    severity: 'high',
    title: { en: 'Personal history of melanoma', es: 'Antecedente personal de melanoma' },
    action: { en: 'Full skin examination; confirm dermatology follow-up is in place.', es: 'Exploración cutánea completa; confirmar seguimiento dermatológico.' },
    basis: 'A first melanoma raises the risk of another primary melanoma (second primary risk several-fold above the general population; e.g. Bradford PT et al., Arch Dermatol 2010;146:265-72); guidelines advise lifelong skin surveillance (NICE NG14, 2015, updated 2022).',
  },
  MELANOMA_FAMILY: {
    code: 'MELANOMA_FAMILY',
    severity: 'moderate',
    title: { en: 'Family history of melanoma', es: 'Antecedente familiar de melanoma' },
    action: { en: 'Full skin examination; advise on sun protection and self-examination.', es: 'Exploración cutánea completa; aconsejar fotoprotección y autoexploración.' },
    basis: 'A first-degree relative with melanoma increases melanoma risk (pooled relative risk about 1.7: Gandini S et al., Eur J Cancer 2005;41:2040-59).',
  },
  EXERTIONAL_CHEST_PAIN: {
    code: 'EXERTIONAL_CHEST_PAIN',
    severity: 'urgent',
    title: { en: 'Chest pain on exertion', es: 'Dolor torácico con el esfuerzo' },
    action: { en: 'Assess for angina before any elective procedure; refer to the GP or cardiology; emergency care if at rest or worsening.', es: 'Valorar angina antes de cualquier procedimiento electivo; derivar al médico de cabecera o a cardiología; urgencias si aparece en reposo o empeora.' },
    basis: 'Chest pain brought on by exertion is a feature of angina and needs assessment (2021 AHA/ACC Chest Pain Guideline, Gulati M et al., Circulation 2021;144:e368-e454; NICE CG95).',
  },
  EXERTIONAL_BREATHLESSNESS: {
    code: 'EXERTIONAL_BREATHLESSNESS',
    severity: 'high',
    title: { en: 'Breathlessness on light exertion', es: 'Disnea con esfuerzos ligeros' },
    action: { en: 'Ask about heart and lung disease; refer to the GP for assessment before elective procedures.', es: 'Preguntar por enfermedad cardíaca o pulmonar; derivar al médico de cabecera antes de procedimientos electivos.' },
    basis: 'Dyspnoea on exertion may be an anginal equivalent or a sign of heart failure (2021 AHA/ACC Chest Pain Guideline; 2021 ESC Heart Failure Guidelines, McDonagh TA et al., Eur Heart J 2021;42:3599-3726).',
  },
  IMMUNOSUPPRESSION: {
    code: 'IMMUNOSUPPRESSION',
    severity: 'high',
    title: { en: 'Immunosuppression', es: 'Inmunosupresión' },
    action: { en: 'Higher infection and skin-cancer risk: avoid or defer invasive procedures until discussed with the treating physician.', es: 'Mayor riesgo de infección y de cáncer de piel: evitar o aplazar procedimientos invasivos hasta hablar con el médico responsable.' },
    basis: 'Immunosuppressed patients (transplant recipients, HIV, immunosuppressive drugs) have higher infection and keratinocyte-cancer risk (Euvrard S et al., N Engl J Med 2003;348:1681-91); filler and device labels list active infection and immunocompromise among precautions.',
  },
  RECENT_CHEMO_RADIOTHERAPY: {
    code: 'RECENT_CHEMO_RADIOTHERAPY',
    severity: 'high',
    title: { en: 'Chemotherapy or radiotherapy in the last 12 months', es: 'Quimioterapia o radioterapia en los últimos 12 meses' },
    action: { en: 'Coordinate with the oncology team; check blood counts and the treated skin before any procedure.', es: 'Coordinar con oncología; comprobar hemograma y la piel tratada antes de cualquier procedimiento.' },
    basis: 'Chemotherapy causes neutropenia and impaired healing, and irradiated skin heals poorly (radiation dermatitis, fibrosis). The 12-month window is WellAge policy, pending oncology-aesthetics consensus; it makes the clinician check, not refuse.',
  },
  PREGNANCY: {
    code: 'PREGNANCY',
    severity: 'high',
    title: { en: 'Pregnant or possibly pregnant', es: 'Embarazada o posible embarazo' },
    action: { en: 'Defer elective injectables, retinoids and energy-based treatments; confirm status before treating.', es: 'Aplazar inyectables electivos, retinoides y tratamientos con energía; confirmar antes de tratar.' },
    basis: 'Botulinum toxin and dermal filler labels advise against use in pregnancy (no safety data; e.g. BOTOX prescribing information, Allergan, revised 2023); oral and topical retinoids are contraindicated in pregnancy (isotretinoin iPLEDGE / EU Pregnancy Prevention Programme).',
  },
  BREASTFEEDING: {
    code: 'BREASTFEEDING',
    severity: 'high',
    title: { en: 'Breastfeeding', es: 'Lactancia materna' },
    action: { en: 'Defer elective injectables and retinoids while breastfeeding.', es: 'Aplazar inyectables electivos y retinoides durante la lactancia.' },
    basis: 'Product labels of botulinum toxins and most fillers state that safety in lactation is not established (e.g. BOTOX prescribing information, revised 2023, section 8.2).',
  },
  ANTITHROMBOTIC: {
    code: 'ANTITHROMBOTIC',
    severity: 'moderate',
    title: { en: 'Anticoagulant or antiplatelet medicine', es: 'Anticoagulante o antiagregante' },
    action: { en: 'Expect more bruising with injections; do not stop a prescribed blood thinner without the prescriber; plan technique (cannula, pressure).', es: 'Prever más hematomas con las inyecciones; no suspender un anticoagulante prescrito sin el médico que lo indicó; planificar la técnica (cánula, presión).' },
    basis: 'Anticoagulants and antiplatelets increase bruising after injectable treatments (filler and toxin labels list bleeding disorders and these drugs among precautions; e.g. Juvéderm instructions for use). Not stopping a prescribed antithrombotic for a minor skin procedure is WellAge policy, in line with dermatologic-surgery practice.',
  },
  RECENT_ISOTRETINOIN: {
    code: 'RECENT_ISOTRETINOIN',
    severity: 'high',
    title: { en: 'Isotretinoin in the last 6 months', es: 'Isotretinoína en los últimos 6 meses' },
    action: { en: 'Avoid ablative and deep resurfacing, dermabrasion and waxing until 6 months after the last dose; superficial procedures may be considered per consensus.', es: 'Evitar resurfacing ablativo o profundo, dermoabrasión y depilación con cera hasta 6 meses después de la última dosis; los procedimientos superficiales pueden valorarse según el consenso.' },
    basis: 'Isotretinoin product labels advise avoiding wax epilation, dermabrasion and laser skin treatment during and for 6 months after therapy (scarring); a later consensus found insufficient evidence to delay superficial procedures (Spring LK et al., JAMA Dermatol 2017;153:802-9).',
  },
  ACTIVE_COLD_SORE: {
    code: 'ACTIVE_COLD_SORE',
    severity: 'high',
    title: { en: 'Active cold sore', es: 'Herpes labial activo' },
    action: { en: 'Do not treat the perioral area until healed; consider antiviral prophylaxis before perioral or resurfacing treatments.', es: 'No tratar la zona peribucal hasta la curación; valorar profilaxis antiviral antes de tratamientos peribucales o de resurfacing.' },
    basis: 'Injections and resurfacing can spread or reactivate herpes simplex; active infection at the site is a contraindication in filler labels, and antiviral prophylaxis is standard before facial resurfacing (e.g. Gilbert S, McBurney E. Dermatol Surg 2000;26:50-4).',
  },
  KELOID_HISTORY: {
    code: 'KELOID_HISTORY',
    severity: 'moderate',
    title: { en: 'Tendency to keloid scars', es: 'Tendencia a cicatrices queloides' },
    action: { en: 'Avoid or test-treat procedures that injure the dermis (ablative lasers, deep peels, threads, surgery); discuss the scar risk.', es: 'Evitar o probar antes los procedimientos que lesionan la dermis (láser ablativo, peelings profundos, hilos, cirugía); explicar el riesgo de cicatriz.' },
    basis: 'A personal history of keloids is the main predictor of keloids after skin injury (Ogawa R. Int J Mol Sci 2017;18:606).',
  },
  AUTOIMMUNE_DISEASE: {
    code: 'AUTOIMMUNE_DISEASE',
    severity: 'moderate',
    title: { en: 'Autoimmune disease', es: 'Enfermedad autoinmune' },
    action: { en: 'Check disease activity and treatment; fillers and biostimulators with caution (delayed inflammatory reactions).', es: 'Comprobar la actividad y el tratamiento de la enfermedad; rellenos y bioestimuladores con precaución (reacciones inflamatorias tardías).' },
    basis: 'Several filler labels list autoimmune disease among precautions, and delayed inflammatory reactions to fillers are reported more often in autoimmune disease (Alijotas-Reig J et al., Semin Arthritis Rheum 2013;43:241-58). The flag is WellAge policy for review, not a contraindication.',
  },
  PRODUCT_ALLERGY: {
    code: 'PRODUCT_ALLERGY',
    severity: 'high',
    title: { en: 'Allergy to a product component', es: 'Alergia a un componente de un producto' },
    action: { en: 'Check every product for the component (lidocaine in fillers, albumin in botulinum toxins, hyaluronidase source, latex gloves) and choose alternatives.', es: 'Revisar cada producto (lidocaína en rellenos, albúmina en toxinas botulínicas, origen de la hialuronidasa, guantes de látex) y elegir alternativas.' },
    basis: 'Hypersensitivity to any component is a contraindication in the labels of botulinum toxins (human albumin excipient), lidocaine-containing fillers and hyaluronidase (e.g. BOTOX prescribing information, revised 2023; Hylenex recombinant prescribing information).',
  },
  DYSMORPHIC_SCREEN_POSITIVE: {
    code: 'DYSMORPHIC_SCREEN_POSITIVE',
    severity: 'high',
    title: { en: 'Positive body-dysmorphic screen', es: 'Cribado de dismorfofobia positivo' },
    action: { en: 'Explore expectations and distress before any procedure; consider referral for psychological assessment. A screen is not a diagnosis.', es: 'Explorar expectativas y malestar antes de cualquier procedimiento; valorar derivación para evaluación psicológica. Un cribado no es un diagnóstico.' },
    basis: 'DCQ total >= 9 screens positive for body dysmorphic disorder (Mancuso SG et al., Aust N Z J Psychiatry 2010;44:535-42); cosmetic procedures rarely improve BDD (Bowyer L et al., Body Image 2016).',
  },
};

const SEVERITY_ORDER: Record<RedFlagSeverity, number> = { urgent: 0, high: 1, moderate: 2 };
const CODE_ORDER = Object.keys(RED_FLAG_RULES) as RedFlagCode[];

/** Antithrombotic RxNorm ingredients on the medication list's options. */
const ANTITHROMBOTIC_RXNORM = new Set(['11289', '1364430', '1114195', '1191', '32968']);
/** Immunosuppressive RxNorm ingredients on the options (prednisone only as a systemic steroid). */
const IMMUNOSUPPRESSANT_RXNORM = new Set(['6851', '42316', '8640']);
const PRODUCT_ALLERGENS = new Set(['387480006', 'substance-hyaluronidase', '102263004', '111088007', 'substance-botulinum-toxin', 'substance-hyaluronic-acid']);

export interface RedFlagOptions {
  /** "Today", ISO date or date-time. */
  readonly asOf: string;
}

const list = (names: string[], lang: 'en' | 'es'): string => (names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} ${lang === 'en' ? 'and' : 'y'} ${names[names.length - 1]}`);

/** Every red flag the response raises, most severe first. */
export function findRedFlags(view: ResponseView, index: QuestionnaireIndex, scores: IntakeScores, options: RedFlagOptions): RedFlag[] {
  const root = view.root;
  /** Option labels in both languages, from the questionnaire (free text stays as written). */
  const displays = (linkId: string, codings: Coding[]): Text => {
    const item = itemOf(index, linkId);
    const names = codings.map((c) => optionFor(item, c)?.display ?? { en: c.display ?? c.code ?? '', es: c.display ?? c.code ?? '' });
    return { en: list(names.map((n) => n.en), 'en'), es: list(names.map((n) => n.es), 'es') };
  };
  const today = options.asOf.slice(0, 10);
  const flags: RedFlag[] = [];
  const raise = (code: RedFlagCode, reason: Text, linkIds: string[]): void => {
    const rule = RED_FLAG_RULES[code];
    flags.push({ code, severity: rule.severity, title: rule.title, reason, action: rule.action, linkIds: [...new Set(linkIds)], basis: rule.basis });
  };

  if (boolOf(root, 'skin.mole-change') === true) {
    const how = codingsOf(root, 'skin.mole-change-how');
    const where = answersOf(root, 'skin.mole-change-where')[0]?.valueString;
    const d = displays('skin.mole-change-how', how);
    raise(
      'CHANGING_MOLE',
      {
        en: `Reports a mole or spot that is new, changing, bleeding or itching${how.length ? ` (${d.en.toLowerCase()})` : ''}${where ? `, on: ${where}` : ''}.`,
        es: `Refiere un lunar o mancha nuevo, cambiante, que sangra o pica${how.length ? ` (${d.es.toLowerCase()})` : ''}${where ? `, en: ${where}` : ''}.`,
      },
      ['skin.mole-change', ...(how.length ? ['skin.mole-change-how'] : []), ...(where ? ['skin.mole-change-where'] : [])],
    );
  }

  const skinMelanoma = codingsOf(root, 'skin.cancer-type').some((c) => c.code === '372244006');
  const oncMelanoma = instancesOf(root, 'onc.episodes').some((e) => codingOf(e, 'onc.episodes.diagnosis')?.code === '372244006');
  if (skinMelanoma || oncMelanoma) {
    raise('MELANOMA_PERSONAL', { en: 'Reports a previous melanoma.', es: 'Refiere un melanoma previo.' }, [...(skinMelanoma ? ['skin.cancer', 'skin.cancer-type'] : []), ...(oncMelanoma ? ['onc.episodes.diagnosis'] : [])]);
  }
  if (boolOf(root, 'fhx.melanoma') === true) {
    const who = codingsOf(root, 'fhx.melanoma-who');
    raise(
      'MELANOMA_FAMILY',
      { en: `Reports melanoma in a blood relative${who.length ? ` (${displays('fhx.melanoma-who', who).en.toLowerCase()})` : ''}.`, es: `Refiere melanoma en un familiar consanguíneo${who.length ? ` (${displays('fhx.melanoma-who', who).es.toLowerCase()})` : ''}.` },
      ['fhx.melanoma', ...(who.length ? ['fhx.melanoma-who'] : [])],
    );
  }

  if (boolOf(root, 'cv.chest-pain') === true && boolOf(root, 'cv.chest-pain-exertion') === true) {
    raise('EXERTIONAL_CHEST_PAIN', { en: 'Reports chest pain, pressure or tightness brought on by physical effort.', es: 'Refiere dolor, presión u opresión torácica con el esfuerzo.' }, ['cv.chest-pain', 'cv.chest-pain-exertion']);
  }
  if (boolOf(root, 'cv.breathless') === true && boolOf(root, 'cv.breathless-exertion') === true) {
    raise('EXERTIONAL_BREATHLESSNESS', { en: 'Reports breathlessness on light effort (one flight of stairs or less).', es: 'Refiere disnea con esfuerzos ligeros (un tramo de escaleras o menos).' }, ['cv.breathless', 'cv.breathless-exertion']);
  }

  const immuno: string[] = [];
  const immunoWhy: Text[] = [];
  if (boolOf(root, 'med.immunosuppressant') === true) {
    immuno.push('med.immunosuppressant');
    immunoWhy.push({ en: 'takes medicines that weaken the immune system', es: 'toma medicamentos que debilitan el sistema inmunitario' });
  }
  const immunoConditions = codingsOf(root, 'pmh.conditions').filter((c) => c.code === '86406008' || c.code === 'organ-transplant');
  if (immunoConditions.length) {
    immuno.push('pmh.conditions');
    immunoWhy.push({ en: `reports ${displays('pmh.conditions', immunoConditions).en}`, es: `refiere ${displays('pmh.conditions', immunoConditions).es}` });
  }
  const immunoMeds = instancesOf(root, 'med.list').flatMap((m) => {
    const c = codingOf(m, 'med.list.name');
    return c?.system === RXNORM && c.code && IMMUNOSUPPRESSANT_RXNORM.has(c.code) ? [c] : [];
  });
  if (immunoMeds.length) {
    immuno.push('med.list.name');
    immunoWhy.push({ en: `lists ${displays('med.list.name', immunoMeds).en}`, es: `indica ${displays('med.list.name', immunoMeds).es}` });
  }
  if (immuno.length) {
    raise('IMMUNOSUPPRESSION', { en: `The patient ${list(immunoWhy.map((w) => w.en), 'en')}.`, es: `El/la paciente ${list(immunoWhy.map((w) => w.es), 'es')}.` }, immuno);
  }

  const recentFrom = addMonths(today, -12);
  const recent: { linkIds: string[]; name: Text }[] = [];
  for (const episode of instancesOf(root, 'onc.episodes')) {
    for (const tx of instancesOf(episode, 'onc.episodes.treatment')) {
      const type = codingOf(tx, 'onc.episodes.treatment.type');
      if (type?.system !== SCT || (type.code !== '367336001' && type.code !== '108290001')) continue;
      const ongoing = boolOf(tx, 'onc.episodes.treatment.ongoing') === true;
      const end = dateOf(tx, 'onc.episodes.treatment.end');
      const start = dateOf(tx, 'onc.episodes.treatment.start');
      // A partial date counts from its last possible day, so "2025-12" is recent in 2026-11.
      const last = end ?? start;
      const within = ongoing || (last !== undefined && lastDay(last) >= recentFrom);
      if (!within) continue;
      const linkIds = ['onc.episodes.treatment.type', ...(ongoing ? ['onc.episodes.treatment.ongoing'] : []), ...(end ? ['onc.episodes.treatment.end'] : !ongoing && start ? ['onc.episodes.treatment.start'] : [])];
      const name = type.code === '367336001' ? { en: 'chemotherapy', es: 'quimioterapia' } : { en: 'radiotherapy', es: 'radioterapia' };
      recent.push({
        linkIds,
        name: ongoing ? { en: `${name.en} (ongoing)`, es: `${name.es} (en curso)` } : { en: `${name.en} (last date ${last})`, es: `${name.es} (última fecha ${last})` },
      });
    }
  }
  if (recent.length) {
    raise(
      'RECENT_CHEMO_RADIOTHERAPY',
      { en: `Reports ${list(recent.map((r) => r.name.en), 'en')} within the last 12 months.`, es: `Refiere ${list(recent.map((r) => r.name.es), 'es')} en los últimos 12 meses.` },
      recent.flatMap((r) => r.linkIds),
    );
  }

  const pregnant = codingOf(root, 'women.pregnant')?.code;
  if (pregnant === 'yes' || pregnant === 'unsure') {
    raise('PREGNANCY', pregnant === 'yes' ? { en: 'Reports being pregnant.', es: 'Refiere estar embarazada.' } : { en: 'Is not sure whether she is pregnant.', es: 'No está segura de si está embarazada.' }, ['women.pregnant']);
  }
  if (boolOf(root, 'women.breastfeeding') === true) raise('BREASTFEEDING', { en: 'Reports breastfeeding.', es: 'Refiere lactancia materna.' }, ['women.breastfeeding']);

  const thinnerMeds = instancesOf(root, 'med.list').flatMap((m) => {
    const c = codingOf(m, 'med.list.name');
    return c?.system === RXNORM && c.code && ANTITHROMBOTIC_RXNORM.has(c.code) ? [c] : [];
  });
  if (boolOf(root, 'med.blood-thinner') === true || thinnerMeds.length) {
    raise(
      'ANTITHROMBOTIC',
      thinnerMeds.length
        ? { en: `Takes ${displays('med.list.name', thinnerMeds).en}.`, es: `Toma ${displays('med.list.name', thinnerMeds).es}.` }
        : { en: 'Reports taking a blood thinner (anticoagulant or antiplatelet).', es: 'Refiere tomar un anticoagulante o antiagregante.' },
      [...(boolOf(root, 'med.blood-thinner') === true ? ['med.blood-thinner'] : []), ...(thinnerMeds.length ? ['med.list.name'] : [])],
    );
  }

  const isoListed = instancesOf(root, 'med.list').some((m) => codingOf(m, 'med.list.name')?.code === '6064');
  if (boolOf(root, 'skin.isotretinoin') === true || isoListed) {
    const ongoing = boolOf(root, 'skin.isotretinoin-ongoing') === true || (isoListed && boolOf(root, 'skin.isotretinoin') !== true);
    const stop = dateOf(root, 'skin.isotretinoin-stop');
    const until = stop ? addMonths(lastDay(stop), 6) : undefined;
    raise(
      'RECENT_ISOTRETINOIN',
      ongoing
        ? { en: 'Is taking isotretinoin now.', es: 'Está tomando isotretinoína actualmente.' }
        : stop
          ? { en: `Stopped isotretinoin on ${stop}; the 6-month interval ends about ${until}.`, es: `Dejó la isotretinoína el ${stop}; el intervalo de 6 meses termina hacia el ${until}.` }
          : { en: 'Took isotretinoin in the last 6 months.', es: 'Ha tomado isotretinoína en los últimos 6 meses.' },
      [
        ...(boolOf(root, 'skin.isotretinoin') === true ? ['skin.isotretinoin'] : []),
        ...(boolOf(root, 'skin.isotretinoin-ongoing') !== undefined ? ['skin.isotretinoin-ongoing'] : []),
        ...(stop ? ['skin.isotretinoin-stop'] : []),
        ...(isoListed ? ['med.list.name'] : []),
      ],
    );
  }

  if (codingOf(root, 'skin.cold-sores')?.code === 'cold-sores-active') {
    raise('ACTIVE_COLD_SORE', { en: 'Reports a cold sore now.', es: 'Refiere un herpes labial activo.' }, ['skin.cold-sores']);
  }
  if (boolOf(root, 'skin.keloid') === true) raise('KELOID_HISTORY', { en: 'Reports forming thick, raised scars (keloids).', es: 'Refiere formar cicatrices gruesas y elevadas (queloides).' }, ['skin.keloid']);

  if (codingsOf(root, 'pmh.conditions').some((c) => c.code === '85828009')) {
    const detail = answersOf(root, 'pmh.autoimmune-detail')[0]?.valueString;
    raise('AUTOIMMUNE_DISEASE', { en: `Reports an autoimmune disease${detail ? `: ${detail}` : ''}.`, es: `Refiere una enfermedad autoinmune${detail ? `: ${detail}` : ''}.` }, ['pmh.conditions', ...(detail ? ['pmh.autoimmune-detail'] : [])]);
  }

  const allergens = instancesOf(root, 'allergy.list').flatMap((a: Scope) => {
    const c = codingOf(a, 'allergy.list.substance');
    return c?.code && PRODUCT_ALLERGENS.has(c.code) ? [c] : [];
  });
  if (allergens.length) {
    const d = displays('allergy.list.substance', allergens);
    raise('PRODUCT_ALLERGY', { en: `Reports an allergy to ${d.en.toLowerCase()}.`, es: `Refiere alergia a ${d.es.toLowerCase()}.` }, ['allergy.list.substance']);
  }

  if (scores.dcq.status === 'scored' && scores.dcq.positive) {
    raise(
      'DYSMORPHIC_SCREEN_POSITIVE',
      { en: `Dysmorphic Concern Questionnaire total ${scores.dcq.total} of 21 (positive at ${scores.dcq.cutoff} or more).`, es: `Cuestionario de Preocupación Dismórfica: ${scores.dcq.total} de 21 (positivo a partir de ${scores.dcq.cutoff}).` },
      [...scores.dcq.linkIds],
    );
  }

  return flags.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || CODE_ORDER.indexOf(a.code) - CODE_ORDER.indexOf(b.code));
}


/** The last day a partial FHIR date covers (2025 -> 2025-12-31; 2025-02 -> 2025-02-28). */
function lastDay(date: string): string {
  const start = dateStart(date) ?? date;
  if (/^\d{4}$/.test(date)) return `${date}-12-31`;
  if (/^\d{4}-\d{2}$/.test(date)) return addMonths(`${date}-01`, 1, -1);
  return start;
}


