/**
 * The plan engine: profile in, plan out. Pure and deterministic (same profile, date and
 * knowledge base give the same plan, byte for byte); the knowledge-base version and an
 * input hash are recorded in every plan.
 *
 * For each goal (in the patient's rank order) every intervention that treats the concern
 * at that area is either an option (ranked, with its rationale, evidence, doses and
 * cautions) or excluded (with every rule that excluded it and the profile facts, with
 * their record references, that triggered the rule). Then: the AM/PM regimen with
 * interaction checks, the calendar, well-aging items tied to the cardiovascular risk's
 * modifiable factors, and sun protection, skin-check interval and barrier care shaped by
 * Fitzpatrick type, goals and the genetics panel (the plan says where genetics did so).
 */
import { createHash } from 'node:crypto';
import { buildCalendar, type CalendarEntry } from './calendar.ts';
import type { Citation, CvFactor, Dose, EvidenceLevel, Intervention, KnowledgeBase, LocalText, Tendency } from './kb/schema.ts';
import { overlaps, validateProfile, type PlanProfile, type ResolvedGoal } from './profile.ts';
import { buildRegimen, type Regimen } from './regimen.ts';
import { evaluateRule, type RuleContext, type Trigger } from './rules.ts';
import { invalidField } from '../platform/errors.ts';

/** Bumped when the engine's logic changes what a plan says for the same input. */
export const ENGINE_VERSION = '1.0.0';

export interface PlanOptions {
  /** The plan date, YYYY-MM-DD: "within the last 6 months" and the calendar count from it. */
  readonly asOf: string;
  readonly kb: KnowledgeBase;
}

export interface RuleHit {
  readonly ruleId: string;
  readonly kind: 'absolute' | 'relative' | 'defer' | 'skin-type' | 'preference';
  readonly reason: LocalText;
  readonly triggers: readonly Trigger[];
  readonly citations?: readonly Citation[];
}

export interface PlanOption {
  readonly interventionId: string;
  readonly name: LocalText;
  readonly category: Intervention['category'];
  readonly role: 'primary' | 'adjunct';
  /** Ranking score (higher first); ties broken by id. */
  readonly score: number;
  readonly rationale: readonly LocalText[];
  readonly evidence: { readonly level: EvidenceLevel; readonly levelName: LocalText; readonly summary: LocalText; readonly citations: readonly Citation[] };
  readonly sites: readonly string[];
  readonly dose: readonly Dose[];
  readonly sessions: Intervention['sessions'];
  readonly onsetDays: Intervention['onsetDays'];
  readonly durationMonths: Intervention['durationMonths'];
  readonly downtimeDays: Intervention['downtimeDays'];
  readonly costTier: number;
  /** Relative contraindications, skin-type cautions and preference misfits. */
  readonly cautions: readonly RuleHit[];
  readonly preCare: readonly LocalText[];
  readonly postCare: readonly LocalText[];
}

export interface ExcludedOption {
  readonly interventionId: string;
  readonly name: LocalText;
  readonly category: Intervention['category'];
  /** Every rule that excludes it (absolute, defer, skin-type avoid). */
  readonly because: readonly RuleHit[];
}

export interface GoalPlan {
  readonly rank: number;
  readonly concern: string;
  readonly concernName: LocalText;
  readonly area: string;
  readonly areaName: LocalText;
  readonly options: readonly PlanOption[];
  readonly excluded: readonly ExcludedOption[];
}

export type InfluenceSource = 'fitzpatrick' | 'genetics' | 'goal' | 'oncology' | 'condition' | 'default';

export interface Because {
  readonly source: InfluenceSource;
  readonly detail: string;
}

export interface WellAgingItem {
  readonly interventionId: string;
  readonly name: LocalText;
  readonly factor: CvFactor | null;
  readonly rationale: LocalText;
  readonly ref?: string;
}

export interface GeneticsInfluence {
  readonly area: 'sun-protection' | 'skin-check' | 'barrier-care' | 'option-caution';
  readonly tendency: Tendency;
  readonly level: 'elevated' | 'high';
  readonly variants: readonly string[];
  readonly effect: LocalText;
}

export interface Plan {
  readonly kind: 'wellage-plan';
  readonly kbVersion: string;
  readonly engineVersion: string;
  readonly asOf: string;
  /** SHA-256 of the validated profile, the date and the knowledge-base version. */
  readonly inputHash: string;
  readonly patient: string | null;
  readonly goals: readonly GoalPlan[];
  readonly regimen: Regimen;
  readonly calendar: readonly CalendarEntry[];
  readonly wellAging: readonly WellAgingItem[];
  readonly sunProtection: { readonly spf: 30 | 50; readonly advice: LocalText; readonly because: readonly Because[] };
  readonly skinCheck: { readonly intervalMonths: number | null; readonly advice: LocalText; readonly because: readonly Because[]; readonly citations: readonly Citation[] };
  readonly barrierCare: { readonly advice: LocalText; readonly because: readonly Because[] } | null;
  readonly genetics: { readonly used: boolean; readonly panelVersion: string | null; readonly influences: readonly GeneticsInfluence[] };
  readonly warnings: readonly LocalText[];
}

const T = (en: string, es: string): LocalText => ({ en, es });

/** Maps the risk capability's factor names onto the lifestyle vocabulary. */
const RISK_FACTOR_MAP: Record<string, CvFactor> = {
  systolicBp: 'blood-pressure',
  bpTreated: 'blood-pressure',
  smoker: 'smoking',
  totalCholesterol: 'cholesterol',
  hdlCholesterol: 'cholesterol',
  ldlCholesterol: 'cholesterol',
  cholesterolHdlRatio: 'cholesterol',
  diabetes: 'diabetes',
  hba1c: 'diabetes',
  bmi: 'weight',
};

const CV_FACTOR_NAMES: Record<CvFactor, LocalText> = {
  smoking: T('smoking', 'el tabaco'),
  'blood-pressure': T('blood pressure', 'la presión arterial'),
  cholesterol: T('cholesterol', 'el colesterol'),
  diabetes: T('diabetes', 'la diabetes'),
  weight: T('weight', 'el peso'),
  activity: T('physical activity', 'la actividad física'),
  diet: T('diet', 'la dieta'),
  sleep: T('sleep', 'el sueño'),
};

const BUDGET_TIER = { low: 1, medium: 2, high: 4 } as const;

/** Watts CG et al. Br J Dermatol 2015: surveillance of people at high risk of melanoma. */
const SKIN_CHECK_CITATION: Citation = {
  doi: '10.1111/bjd.13403',
  text: 'Watts CG et al. Clinical practice guidelines for identification, screening and follow-up of individuals at high risk of primary cutaneous melanoma: a systematic review. Br J Dermatol 2015;172:33-47.',
};

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Body sites the intervention would treat for this goal: the more specific of each overlapping pair. */
function treatmentSites(kb: KnowledgeBase, iv: Intervention, goalArea: string): string[] {
  const out = new Set<string>();
  for (const a of iv.areas) {
    if (!overlaps(kb, a, goalArea)) continue;
    // The deeper site (more ancestors) is the more specific one.
    out.add((kb.siteAncestors.get(a)?.length ?? 0) >= (kb.siteAncestors.get(goalArea)?.length ?? 0) ? a : goalArea);
  }
  return [...out].sort();
}

function genotypeVariants(profile: PlanProfile, tendency: Tendency): string[] {
  return profile.genetics?.tendencies[tendency].because ?? [];
}

function tendencyLevel(profile: PlanProfile, tendency: Tendency): 'typical' | 'elevated' | 'high' | null {
  return profile.genetics ? profile.genetics.tendencies[tendency].level : null;
}

function evaluateOption(kb: KnowledgeBase, profile: PlanProfile, asOf: string, iv: Intervention, goal: ResolvedGoal, role: 'primary' | 'adjunct'): PlanOption | ExcludedOption {
  const sites = treatmentSites(kb, iv, goal.area);
  const ctx: RuleContext = { kb, profile, asOf, sites };
  const exclusions: RuleHit[] = [];
  const cautions: RuleHit[] = [];
  for (const ciId of iv.contraindications) {
    const ci = kb.contraindications.get(ciId);
    if (!ci) continue;
    const triggers = evaluateRule(ci.rule, ctx);
    if (triggers === null) continue;
    const hit: RuleHit = { ruleId: ci.id, kind: ci.kind, reason: ci.reason, triggers, ...(ci.citations ? { citations: ci.citations } : {}) };
    (ci.kind === 'relative' ? cautions : exclusions).push(hit);
  }
  iv.skinTypeCautions.forEach((c, i) => {
    const ruleId = `skin-type:${iv.id}:${i}`;
    if (profile.fitzpatrick === undefined) {
      cautions.push({ ruleId, kind: 'skin-type', reason: T(`Fitzpatrick type not recorded; for types ${c.fitzpatrick.join(', ')}: ${c.note.en}`, `Fototipo no registrado; para los fototipos ${c.fitzpatrick.join(', ')}: ${c.note.es}`), triggers: [] });
    } else if (c.fitzpatrick.includes(profile.fitzpatrick)) {
      const hit: RuleHit = { ruleId, kind: 'skin-type', reason: c.note, triggers: [{ fact: 'fitzpatrick', field: 'fitzpatrick', detail: `Fitzpatrick ${profile.fitzpatrick}` }] };
      (c.level === 'avoid' ? exclusions : cautions).push(hit);
    }
  });
  if (exclusions.length) return { interventionId: iv.id, name: iv.names, category: iv.category, because: exclusions };

  const prefs = profile.preferences;
  if (prefs.maxDowntimeDays !== undefined && iv.downtimeDays.max > prefs.maxDowntimeDays) {
    cautions.push({ ruleId: 'preference:downtime', kind: 'preference', reason: T(`Downtime ${iv.downtimeDays.min}-${iv.downtimeDays.max} days exceeds the preferred ${prefs.maxDowntimeDays}.`, `Baja social de ${iv.downtimeDays.min}-${iv.downtimeDays.max} días, más que los ${prefs.maxDowntimeDays} preferidos.`), triggers: [{ fact: 'preference', field: 'preferences.maxDowntimeDays', detail: `max downtime ${prefs.maxDowntimeDays} days` }] });
  }
  if (prefs.budget !== undefined && iv.costTier > BUDGET_TIER[prefs.budget]) {
    cautions.push({ ruleId: 'preference:budget', kind: 'preference', reason: T(`Cost tier ${iv.costTier} of 4 is above the '${prefs.budget}' budget.`, `Nivel de coste ${iv.costTier} de 4, por encima del presupuesto '${prefs.budget}'.`), triggers: [{ fact: 'preference', field: 'preferences.budget', detail: `budget ${prefs.budget}` }] });
  }

  const levelPoints = 6 - Number(iv.evidence.level);
  const clinicalCautions = cautions.filter((c) => c.kind !== 'preference').length;
  const preferenceMisfits = cautions.length - clinicalCautions;
  const score = levelPoints * 10 + (role === 'primary' ? 20 : 5) - clinicalCautions * 6 - preferenceMisfits * 12;

  const rationale: LocalText[] = [
    role === 'primary'
      ? T(`Treats ${kb.concernById.get(goal.concern)?.names.en.toLowerCase()} directly.`, `Trata directamente: ${kb.concernById.get(goal.concern)?.names.es.toLowerCase()}.`)
      : T(`Supports the treatment of ${kb.concernById.get(goal.concern)?.names.en.toLowerCase()} (adjunct).`, `Complementa el tratamiento de: ${kb.concernById.get(goal.concern)?.names.es.toLowerCase()}.`),
    T(`Evidence level ${iv.evidence.level} (${kb.manifest.evidenceScale.levels[iv.evidence.level].en}): ${iv.evidence.summary.en}`, `Nivel de evidencia ${iv.evidence.level} (${kb.manifest.evidenceScale.levels[iv.evidence.level].es}): ${iv.evidence.summary.es}`),
    T(`Downtime ${iv.downtimeDays.min}-${iv.downtimeDays.max} days; ${iv.sessions.min === iv.sessions.max ? iv.sessions.min : `${iv.sessions.min}-${iv.sessions.max}`} session(s).`, `Baja social de ${iv.downtimeDays.min}-${iv.downtimeDays.max} días; ${iv.sessions.min === iv.sessions.max ? iv.sessions.min : `${iv.sessions.min}-${iv.sessions.max}`} sesión(es).`),
  ];
  if (cautions.length === 0) rationale.push(T('No contraindication or caution found in the profile.', 'No se encontraron contraindicaciones ni precauciones en el perfil.'));
  const careText = (ids: readonly string[]) => ids.map((id) => kb.care.get(id)).filter((t): t is LocalText => t !== undefined);
  return {
    interventionId: iv.id,
    name: iv.names,
    category: iv.category,
    role,
    score,
    rationale,
    evidence: { level: iv.evidence.level, levelName: kb.manifest.evidenceScale.levels[iv.evidence.level], summary: iv.evidence.summary, citations: iv.citations },
    sites,
    dose: (iv.dose ?? []).filter((d) => sites.some((s) => overlaps(kb, s, d.area))),
    sessions: iv.sessions,
    onsetDays: iv.onsetDays,
    durationMonths: iv.durationMonths,
    downtimeDays: iv.downtimeDays,
    costTier: iv.costTier,
    cautions,
    preCare: careText(iv.preCare),
    postCare: careText(iv.postCare),
  };
}

function isExcluded(x: PlanOption | ExcludedOption): x is ExcludedOption {
  return 'because' in x;
}

/** Generates a plan. Throws an AppError naming the field for a bad profile or date. */
export function generatePlan(input: unknown, options: PlanOptions): Plan {
  const { kb, asOf } = options;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(`${asOf}T00:00:00Z`))) throw invalidField('asOf', `'${asOf}' is not a date YYYY-MM-DD`);
  const { profile, goals } = validateProfile(input, kb, asOf);
  const warnings: LocalText[] = [];

  const goalPlans: GoalPlan[] = goals.map((goal) => {
    const options: PlanOption[] = [];
    const excluded: ExcludedOption[] = [];
    for (const iv of kb.interventions) {
      const treats = iv.concerns.find((c) => c.id === goal.concern);
      if (!treats || !iv.areas.some((a) => overlaps(kb, a, goal.area))) continue;
      const r = evaluateOption(kb, profile, asOf, iv, goal, treats.role);
      if (isExcluded(r)) excluded.push(r);
      else options.push(r);
    }
    options.sort((a, b) => b.score - a.score || a.interventionId.localeCompare(b.interventionId));
    excluded.sort((a, b) => a.interventionId.localeCompare(b.interventionId));
    const concern = kb.concernById.get(goal.concern);
    const site = kb.vocabulary.bodySites.find((s) => s.id === goal.area);
    if (options.length === 0) {
      warnings.push(T(`No option remains for goal ${goal.rank} (${concern?.names.en}); see the exclusions.`, `No queda ninguna opción para el objetivo ${goal.rank} (${concern?.names.es}); ver las exclusiones.`));
    }
    return { rank: goal.rank, concern: goal.concern, concernName: concern?.names ?? T(goal.concern, goal.concern), area: goal.area, areaName: site?.names ?? T(goal.area, goal.area), options, excluded };
  });

  // ---- genetics, sun protection, skin checks, barrier care --------------------------------
  const influences: GeneticsInfluence[] = [];
  const sunLevel = tendencyLevel(profile, 'sun-sensitivity');
  const melLevel = tendencyLevel(profile, 'melanoma-susceptibility');
  const barrierLevel = tendencyLevel(profile, 'barrier-weakness');

  const sunBecause: Because[] = [];
  if (profile.fitzpatrick === 'I' || profile.fitzpatrick === 'II') sunBecause.push({ source: 'fitzpatrick', detail: `Fitzpatrick ${profile.fitzpatrick}` });
  if (sunLevel === 'elevated' || sunLevel === 'high') {
    sunBecause.push({ source: 'genetics', detail: `sun-sensitivity ${sunLevel} (${genotypeVariants(profile, 'sun-sensitivity').join(', ')})` });
    influences.push({ area: 'sun-protection', tendency: 'sun-sensitivity', level: sunLevel, variants: genotypeVariants(profile, 'sun-sensitivity'), effect: T('Sun protection raised to SPF 50+ with reapplication every 2 hours outdoors.', 'Fotoprotección elevada a FPS 50+ con reaplicación cada 2 horas al aire libre.') });
  }
  for (const g of goals) if (['melasma', 'pigmentation', 'photoaging', 'post-oncology-skin'].includes(g.concern)) sunBecause.push({ source: 'goal', detail: `goal ${g.concern}` });
  const spf: 30 | 50 = sunBecause.length ? 50 : 30;
  if (sunBecause.length === 0) sunBecause.push({ source: 'default', detail: 'daily broad-spectrum SPF 30 for everyone' });
  const sunAdvice =
    spf === 50
      ? T('Broad-spectrum SPF 50+ every morning, reapplied every 2 hours outdoors; hat and shade at midday.', 'FPS 50+ de amplio espectro cada mañana, reaplicado cada 2 horas al aire libre; sombrero y sombra al mediodía.')
      : T('Broad-spectrum SPF 30 or higher every morning; reapply outdoors.', 'FPS 30 o superior de amplio espectro cada mañana; reaplicar al aire libre.');

  const checkBecause: Because[] = [];
  let interval: number | null = null;
  if (melLevel === 'high') {
    interval = 6;
    checkBecause.push({ source: 'genetics', detail: `melanoma-susceptibility high (${genotypeVariants(profile, 'melanoma-susceptibility').join(', ')})` });
  } else if (melLevel === 'elevated') {
    interval = 12;
    checkBecause.push({ source: 'genetics', detail: `melanoma-susceptibility elevated (${genotypeVariants(profile, 'melanoma-susceptibility').join(', ')})` });
  }
  if (melLevel === 'high' || melLevel === 'elevated') {
    influences.push({ area: 'skin-check', tendency: 'melanoma-susceptibility', level: melLevel, variants: genotypeVariants(profile, 'melanoma-susceptibility'), effect: T(`Clinician skin check every ${interval} months suggested.`, `Se sugiere revisión de la piel por un médico cada ${interval} meses.`) });
  }
  if (profile.fitzpatrick === 'I' || profile.fitzpatrick === 'II') {
    interval = Math.min(interval ?? 12, 12);
    checkBecause.push({ source: 'fitzpatrick', detail: `Fitzpatrick ${profile.fitzpatrick}` });
  }
  const skinAdvice =
    interval === null
      ? T('Monthly self-examination; skin check at routine visits (no extra risk found in the profile).', 'Autoexploración mensual; revisión de la piel en las visitas habituales (sin riesgo añadido en el perfil).')
      : T(`Monthly self-examination and a clinician skin check every ${interval} months (WellAge default interval; a clinician may shorten it).`, `Autoexploración mensual y revisión por un médico cada ${interval} meses (intervalo por defecto de WellAge; el médico puede acortarlo).`);

  let barrierCare: Plan['barrierCare'] = null;
  const barrierBecause: Because[] = [];
  if (barrierLevel === 'elevated' || barrierLevel === 'high') {
    barrierBecause.push({ source: 'genetics', detail: `barrier-weakness ${barrierLevel} (${genotypeVariants(profile, 'barrier-weakness').join(', ')})` });
    influences.push({ area: 'barrier-care', tendency: 'barrier-weakness', level: barrierLevel, variants: genotypeVariants(profile, 'barrier-weakness'), effect: T('Barrier care added; irritant actives start every third night.', 'Se añade cuidado de barrera; los activos irritantes empiezan cada tres noches.') });
  }
  profile.conditions.forEach((c, i) => {
    if (c.code === 'atopic-dermatitis' || c.code === 'rosacea') barrierBecause.push({ source: 'condition', detail: `conditions[${i}] ${c.code}` });
  });
  if (barrierBecause.length) {
    barrierCare = {
      advice: T('Fragrance-free emollient twice daily, lukewarm water, soap-free cleanser; introduce retinoids and acids slowly (every third night) and stop if the skin stings.', 'Emoliente sin perfume dos veces al día, agua templada, limpiador sin jabón; introducir retinoides y ácidos poco a poco (cada tres noches) y suspender si escuece.'),
      because: barrierBecause,
    };
  }
  // Where a genetics-based relative contraindication reached an option, say so.
  const geneticCautions = new Map<Tendency, Set<string>>();
  for (const g of goalPlans) {
    for (const o of g.options) {
      for (const c of o.cautions) {
        for (const t of c.triggers) {
          if (t.fact !== 'genetic-tendency') continue;
          const tendency = t.field.split('.').pop() as Tendency;
          const set = geneticCautions.get(tendency) ?? new Set<string>();
          set.add(o.interventionId);
          geneticCautions.set(tendency, set);
        }
      }
    }
  }
  for (const [tendency, ids] of [...geneticCautions].sort(([a], [b]) => a.localeCompare(b))) {
    const level = tendencyLevel(profile, tendency);
    if (level !== 'elevated' && level !== 'high') continue;
    const list = [...ids].sort().join(', ');
    influences.push({ area: 'option-caution', tendency, level, variants: genotypeVariants(profile, tendency), effect: T(`Caution added to: ${list}.`, `Precaución añadida a: ${list}.`) });
  }

  // ---- regimen ------------------------------------------------------------------------------
  const topicals: Intervention[] = [];
  for (const g of goalPlans) {
    g.options
      .filter((o) => o.category === 'topical')
      .slice(0, 2)
      .forEach((o) => {
        const iv = kb.interventionById.get(o.interventionId);
        if (iv && !topicals.includes(iv)) topicals.push(iv);
      });
  }
  const slowStart = barrierCare !== null;
  const regimen = buildRegimen(kb, topicals, slowStart ? { slowStart, slowStartReason: T('Start every third night: weak skin barrier (see barrier care).', 'Empezar cada tres noches: barrera cutánea débil (ver cuidado de barrera).') } : { slowStart });

  // ---- procedures and calendar --------------------------------------------------------------
  const procedures: Intervention[] = [];
  for (const g of goalPlans) {
    const top = g.options.find((o) => o.category !== 'topical' && o.category !== 'lifestyle');
    const iv = top && kb.interventionById.get(top.interventionId);
    if (iv && !procedures.includes(iv)) procedures.push(iv);
  }
  const needsPriming = procedures.some((p) => p.preCare.includes('pre-priming') || p.preCare.includes('pre-stop-retinoid'));
  const lesionReview = profile.lesions.some((l) => l.aiSuggestion === 'refer' && l.status === 'unresolved');

  // ---- well-aging ---------------------------------------------------------------------------
  const wellAging: WellAgingItem[] = [];
  const lifestyle = kb.interventions.filter((iv) => iv.category === 'lifestyle');
  const lifestyleFor = (factor: CvFactor): Intervention | undefined => lifestyle.find((iv) => iv.addresses?.[0] === factor) ?? lifestyle.find((iv) => iv.addresses?.includes(factor));
  const cv = profile.cardiovascularRisk;
  const allowed = (iv: Intervention) => evaluateOption(kb, profile, asOf, iv, { concern: 'well-aging', area: 'systemic', rank: 0, index: -1 }, 'primary');
  if (cv) {
    const seen = new Set<string>();
    const factors = [...cv.modifiableFactors].sort((a, b) => b.attributedPercentPoints - a.attributedPercentPoints || a.factor.localeCompare(b.factor));
    for (const f of factors) {
      const mapped = RISK_FACTOR_MAP[f.factor];
      if (!mapped) {
        warnings.push(T(`Cardiovascular factor '${f.factor}' has no lifestyle measure in the knowledge base.`, `El factor cardiovascular '${f.factor}' no tiene medida de estilo de vida en la base de conocimiento.`));
        continue;
      }
      if (f.attributedPercentPoints <= 0) continue;
      const iv = lifestyleFor(mapped);
      if (!iv || seen.has(iv.id)) continue;
      seen.add(iv.id);
      const r = allowed(iv);
      const pts = f.attributedPercentPoints.toFixed(1);
      const pct = cv.riskPercent.toFixed(1);
      const rationale = T(
        `${CV_FACTOR_NAMES[mapped].en[0]?.toUpperCase()}${CV_FACTOR_NAMES[mapped].en.slice(1)}${f.actual ? ` (${f.actual})` : ''} accounts for ${pts} percentage points of the ${pct}% ${cv.horizonYears}-year risk (${cv.model}).${isExcluded(r) ? ' Agree the plan with the GP first.' : ''}`,
        `${CV_FACTOR_NAMES[mapped].es[0]?.toUpperCase()}${CV_FACTOR_NAMES[mapped].es.slice(1)}${f.actual ? ` (${f.actual})` : ''} explica ${pts} puntos porcentuales del riesgo a ${cv.horizonYears} años de ${pct} % (${cv.model}).${isExcluded(r) ? ' Acordar el plan antes con el médico de cabecera.' : ''}`,
      );
      wellAging.push({ interventionId: iv.id, name: iv.names, factor: mapped, rationale, ...(cv.ref ? { ref: cv.ref } : {}) });
    }
    if (cv.category && ['high', 'very-high', 'intermediate'].includes(cv.category.code) && !seen.has('lipid-review')) {
      const iv = kb.interventionById.get('lipid-review');
      if (iv) {
        wellAging.push({ interventionId: iv.id, name: iv.names, factor: 'cholesterol', rationale: T(`Risk category '${cv.category.label}': discuss lipid-lowering treatment with the GP.`, `Categoría de riesgo '${cv.category.label}': valorar con el médico tratamiento hipolipemiante.`), ...(cv.ref ? { ref: cv.ref } : {}) });
      }
    }
  } else {
    for (const id of ['physical-activity', 'mediterranean-diet', 'sleep-health']) {
      const iv = kb.interventionById.get(id);
      if (iv) wellAging.push({ interventionId: iv.id, name: iv.names, factor: null, rationale: T('General well-aging measure (no cardiovascular risk on record; calculate it to tailor these).', 'Medida general de envejecimiento saludable (sin riesgo cardiovascular registrado; calcularlo para ajustarlas).') });
    }
  }

  const calendar = buildCalendar({
    asOf,
    procedures,
    preCareWeeks: needsPriming ? 2 : 0,
    lesionReview,
    skinCheckMonths: interval,
    wellAgingReviewWeeks: wellAging.length ? 12 : null,
  });

  const inputHash = createHash('sha256').update(canonical({ profile, asOf, kb: kb.version, engine: ENGINE_VERSION })).digest('hex');
  return {
    kind: 'wellage-plan',
    kbVersion: kb.version,
    engineVersion: ENGINE_VERSION,
    asOf,
    inputHash,
    patient: profile.id ?? null,
    goals: goalPlans,
    regimen,
    calendar,
    wellAging,
    sunProtection: { spf, advice: sunAdvice, because: sunBecause },
    skinCheck: { intervalMonths: interval, advice: skinAdvice, because: checkBecause, citations: [SKIN_CHECK_CITATION] },
    barrierCare,
    genetics: { used: profile.genetics !== undefined, panelVersion: profile.genetics?.panelVersion ?? null, influences },
    warnings,
  };
}
