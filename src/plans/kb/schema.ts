/**
 * The plans knowledge base's schema (zod): the shape of every file under content/plans/.
 * The files are data; this module says what a valid file is. `validate.ts` applies it and
 * the cross-file checks (every id referenced exists) and names file, entry and field on
 * failure.
 *
 * Evidence levels follow the Oxford Centre for Evidence-Based Medicine 2011 Levels of
 * Evidence (OCEBM Levels of Evidence Working Group, 2011; https://www.cebm.ox.ac.uk/resources/levels-of-evidence/ocebm-levels-of-evidence):
 * 1 systematic review of randomised trials, 2 randomised trial, 3 non-randomised controlled
 * cohort, 4 case series / case-control, 5 mechanism-based reasoning or expert opinion.
 */
import { z } from 'zod';

/** Text in both languages the product speaks. */
export const localText = z.object({ en: z.string().trim().min(1), es: z.string().trim().min(1) }).strict();
export type LocalText = z.infer<typeof localText>;

const kebab = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab-case (a-z, 0-9, -)');

export const FITZPATRICK = ['I', 'II', 'III', 'IV', 'V', 'VI'] as const;
export type Fitzpatrick = (typeof FITZPATRICK)[number];

export const EVIDENCE_LEVELS = ['1', '2', '3', '4', '5'] as const;
export type EvidenceLevel = (typeof EVIDENCE_LEVELS)[number];

export const CATEGORIES = [
  'neuromodulator',
  'filler-ha',
  'filler-other',
  'biostimulator',
  'regenerative',
  'peel',
  'microneedling',
  'energy-device',
  'topical',
  'oncological',
  'lifestyle',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Tags the engine and the drift tests use (e.g. every `energy-device` must carry the lesion rule). */
export const TAGS = ['injectable', 'energy-device', 'peel', 'ablative', 'medium-depth', 'retinoid', 'irritant', 'elective', 'procedure', 'prescription'] as const;
export type Tag = (typeof TAGS)[number];

/** Cardiovascular modifiable factors a lifestyle measure can address (risk capability factor names map onto these). */
export const CV_FACTORS = ['smoking', 'blood-pressure', 'cholesterol', 'diabetes', 'weight', 'activity', 'diet', 'sleep'] as const;
export type CvFactor = (typeof CV_FACTORS)[number];

export const TENDENCIES = ['sun-sensitivity', 'melanoma-susceptibility', 'barrier-weakness'] as const;
export type Tendency = (typeof TENDENCIES)[number];

export const citation = z
  .object({
    doi: z.string().regex(/^10\.\d{4,9}\/\S+$/, 'must be a DOI such as 10.1000/xyz').optional(),
    pmid: z.string().regex(/^\d{5,9}$/, 'must be a PubMed id (digits)').optional(),
    text: z.string().min(10),
    /** Set where the authors could not confirm the identifier; counted in the README. */
    verify: z.literal(true).optional(),
  })
  .strict()
  .refine((c) => c.doi !== undefined || c.pmid !== undefined, { message: 'a citation needs a doi or a pmid' });
export type Citation = z.infer<typeof citation>;

const range = (what: string) =>
  z
    .object({ min: z.number().min(0), max: z.number().min(0) })
    .strict()
    .refine((r) => r.min <= r.max, { message: `${what}: min must not exceed max` });
export type Range = { min: number; max: number };

// ---------------------------------------------------------------------------------------------
// The rule language: contraindications are rules over the patient profile.
// ---------------------------------------------------------------------------------------------

/** A fact about the patient profile. Each is true or false for one profile, treatment area and date. */
export type Fact =
  | { fact: 'pregnant' }
  | { fact: 'breastfeeding' }
  | { fact: 'age'; lt?: number; gte?: number }
  | { fact: 'sex'; in: string[] }
  | { fact: 'fitzpatrick'; in: Fitzpatrick[] }
  /** A medication of one of these classes active now or within the last N months (0: now). */
  | { fact: 'medication'; classes: string[]; withinMonths: number }
  | { fact: 'condition'; codes: string[] }
  | { fact: 'allergy'; ingredients: string[] }
  /** An unresolved lesion whose AI suggestion was "refer", at a site overlapping the treatment area. */
  | { fact: 'lesion-refer-in-area' }
  | { fact: 'bdd-screen-positive' }
  /** Oncology treatment of these kinds ongoing or ended within N months; `inArea`: only at the treatment area. */
  | { fact: 'oncology-treatment'; treatments: string[]; withinMonths: number; inArea?: boolean }
  /** The genetics panel reports this tendency at or above the level. */
  | { fact: 'genetic-tendency'; tendency: Tendency; atLeast: 'elevated' | 'high' };

export type Rule = Fact | { all: Rule[] } | { any: Rule[] } | { not: Rule };

const factSchema = z.discriminatedUnion('fact', [
  z.object({ fact: z.literal('pregnant') }).strict(),
  z.object({ fact: z.literal('breastfeeding') }).strict(),
  z
    .object({ fact: z.literal('age'), lt: z.number().min(0).max(130).optional(), gte: z.number().min(0).max(130).optional() })
    .strict()
    .refine((f) => f.lt !== undefined || f.gte !== undefined, { message: 'age needs lt or gte' }),
  z.object({ fact: z.literal('sex'), in: z.array(z.string()).min(1) }).strict(),
  z.object({ fact: z.literal('fitzpatrick'), in: z.array(z.enum(FITZPATRICK)).min(1) }).strict(),
  z.object({ fact: z.literal('medication'), classes: z.array(kebab).min(1), withinMonths: z.number().int().min(0).max(120) }).strict(),
  z.object({ fact: z.literal('condition'), codes: z.array(kebab).min(1) }).strict(),
  z.object({ fact: z.literal('allergy'), ingredients: z.array(kebab).min(1) }).strict(),
  z.object({ fact: z.literal('lesion-refer-in-area') }).strict(),
  z.object({ fact: z.literal('bdd-screen-positive') }).strict(),
  z
    .object({ fact: z.literal('oncology-treatment'), treatments: z.array(kebab).min(1), withinMonths: z.number().int().min(0).max(240), inArea: z.boolean().optional() })
    .strict(),
  z.object({ fact: z.literal('genetic-tendency'), tendency: z.enum(TENDENCIES), atLeast: z.enum(['elevated', 'high']) }).strict(),
]);

export const ruleSchema: z.ZodType<Rule> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(ruleSchema).min(1) }).strict(),
    z.object({ any: z.array(ruleSchema).min(1) }).strict(),
    z.object({ not: ruleSchema }).strict(),
    factSchema,
  ]),
) as z.ZodType<Rule>;

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/** content/plans/kb.json: the version every plan records. */
export const manifestSchema = z
  .object({
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be semantic (1.2.3)'),
    released: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    evidenceScale: z.object({ name: z.string().min(1), source: z.string().min(1), levels: z.record(z.enum(EVIDENCE_LEVELS), localText) }).strict(),
  })
  .strict();
export type Manifest = z.infer<typeof manifestSchema>;

export const bodySiteSchema = z.object({ id: kebab, names: localText, parent: kebab.nullable() }).strict();
export const vocabEntrySchema = z.object({ id: kebab, names: localText }).strict();

/** content/plans/vocabulary.json: the words rules and profiles may use. */
export const vocabularySchema = z
  .object({
    bodySites: z.array(bodySiteSchema).min(1),
    conditions: z.array(vocabEntrySchema).min(1),
    medicationClasses: z.array(vocabEntrySchema).min(1),
    ingredients: z.array(vocabEntrySchema).min(1),
    oncologyTreatments: z.array(vocabEntrySchema).min(1),
    actives: z.array(vocabEntrySchema).min(1),
  })
  .strict();
export type Vocabulary = z.infer<typeof vocabularySchema>;
export type BodySite = z.infer<typeof bodySiteSchema>;

export const concernSchema = z
  .object({
    id: kebab,
    names: localText,
    /** Sites where the concern can be treated; a goal's area must overlap one of them. */
    areas: z.array(kebab).min(1),
    /** The area assumed when a goal names none. */
    defaultArea: kebab,
  })
  .strict();
export type Concern = z.infer<typeof concernSchema>;
export const concernsFileSchema = z.object({ concerns: z.array(concernSchema).min(1) }).strict();

export const contraindicationSchema = z
  .object({
    id: kebab,
    /** absolute: the option is excluded; relative: kept with a caution; defer: excluded until the fact is resolved. */
    kind: z.enum(['absolute', 'relative', 'defer']),
    rule: ruleSchema,
    reason: localText,
    citations: z.array(citation).optional(),
  })
  .strict();
export type Contraindication = z.infer<typeof contraindicationSchema>;
export const contraindicationsFileSchema = z.object({ contraindications: z.array(contraindicationSchema).min(1) }).strict();

export const careFileSchema = z.object({ care: z.array(z.object({ id: kebab, text: localText }).strict()).min(1) }).strict();

export const doseSchema = z
  .object({
    area: kebab,
    min: z.number().positive(),
    max: z.number().positive(),
    /** UCUM-style unit as clinicians write it: `U` (units of the named product), `mL`, `J/cm2`, `%`, `mm`. */
    unit: z.enum(['U', 'mL', 'J/cm2', '%', 'mm', 'mg']),
    per: z.enum(['total', 'per-side', 'per-session', 'concentration']),
    note: localText.optional(),
  })
  .strict()
  .refine((d) => d.min <= d.max, { message: 'min must not exceed max' });
export type Dose = z.infer<typeof doseSchema>;

export const interventionSchema = z
  .object({
    id: kebab,
    names: localText,
    category: z.enum(CATEGORIES),
    tags: z.array(z.enum(TAGS)),
    concerns: z.array(z.object({ id: kebab, role: z.enum(['primary', 'adjunct']) }).strict()).min(1),
    /** Body sites it is used on (vocabulary.bodySites); `systemic` for lifestyle measures. */
    areas: z.array(kebab).min(1),
    /** Ids from contraindications.json. */
    contraindications: z.array(kebab),
    skinTypeCautions: z.array(z.object({ fitzpatrick: z.array(z.enum(FITZPATRICK)).min(1), level: z.enum(['caution', 'avoid']), note: localText }).strict()),
    dose: z.array(doseSchema).optional(),
    sessions: z
      .object({
        min: z.number().int().min(1),
        max: z.number().int().min(1),
        intervalWeeks: range('intervalWeeks').optional(),
        /** Weeks after which a recall visit is booked (neuromodulators, maintenance). */
        recallWeeks: z.number().int().positive().optional(),
        /** Weeks after a session when the clinician reviews the result. */
        followUpWeeks: z.number().int().positive().optional(),
      })
      .strict()
      .refine((s) => s.min <= s.max, { message: 'min must not exceed max' }),
    onsetDays: range('onsetDays'),
    /** Months the effect lasts; null while used (topicals, lifestyle). */
    durationMonths: range('durationMonths').nullable(),
    downtimeDays: range('downtimeDays'),
    /** 1 (inexpensive) to 4 (premium), per course; compared with the patient's budget. */
    costTier: z.number().int().min(1).max(4),
    preCare: z.array(kebab),
    postCare: z.array(kebab),
    evidence: z.object({ level: z.enum(EVIDENCE_LEVELS), summary: localText }).strict(),
    citations: z.array(citation).min(1),
    /** Topicals: where it sits in the AM/PM regimen. */
    regimen: z
      .object({ actives: z.array(kebab).min(1), slot: z.enum(['am', 'pm', 'am-or-pm', 'am-and-pm']), step: z.enum(['cleanse', 'treat', 'moisturize', 'protect']) })
      .strict()
      .optional(),
    /** Lifestyle: the cardiovascular factors it addresses. */
    addresses: z.array(z.enum(CV_FACTORS)).optional(),
  })
  .strict();
export type Intervention = z.infer<typeof interventionSchema>;
export const interventionsFileSchema = z.object({ interventions: z.array(interventionSchema).min(1) }).strict();

export const interactionSchema = z
  .object({
    id: kebab,
    actives: z.tuple([kebab, kebab]),
    /** separate: one AM, one PM; alternate-nights: never the same evening; caution: may combine, watch irritation; none: no interaction (a myth, said so). */
    effect: z.enum(['separate', 'alternate-nights', 'caution', 'none']),
    note: localText,
    citations: z.array(citation).min(1),
  })
  .strict();
export type Interaction = z.infer<typeof interactionSchema>;

export const regimenFileSchema = z
  .object({
    /** Topical intervention ids every regimen starts from, by slot. */
    baseline: z.object({ am: z.array(kebab), pm: z.array(kebab) }).strict(),
    interactions: z.array(interactionSchema),
  })
  .strict();
export type RegimenFile = z.infer<typeof regimenFileSchema>;

export const panelVariantSchema = z
  .object({
    id: kebab,
    gene: z.string().min(2),
    /** Protein or cDNA name, e.g. R151C (p.Arg151Cys). */
    variant: z.string().min(2),
    rsid: z.string().regex(/^rs\d+$/),
    chrom: z.string().regex(/^(\d{1,2}|X|Y|MT)$/),
    /** 1-based positions per build; null where WellAge matches by rsID only. */
    grch37: z.number().int().positive().nullable(),
    grch38: z.number().int().positive().nullable(),
    /** Alleles on the plus (forward) strand of the reference. */
    ref: z.string().regex(/^[ACGT]+$|^-$/),
    alt: z.string().regex(/^[ACGT]+$|^-$/),
    /** Plus-strand allele associated with the tendency. */
    effectAllele: z.string().regex(/^[ACGTDI]+$|^-$/),
    tendencies: z.array(z.enum(TENDENCIES)).min(1),
    /** major: well-replicated, sizeable effect per allele; minor: small effect (common variant). */
    weight: z.enum(['major', 'minor']),
    effect: localText,
    evidence: z.object({ level: z.enum(EVIDENCE_LEVELS), summary: localText }).strict(),
    caveat: localText,
    citations: z.array(citation).min(1),
    /** Set where a coordinate could not be confirmed against dbSNP. */
    positionsVerify: z.literal(true).optional(),
  })
  .strict();
export type PanelVariant = z.infer<typeof panelVariantSchema>;
export const panelFileSchema = z.object({ version: z.string().min(1), variants: z.array(panelVariantSchema).min(1) }).strict();

/** The whole knowledge base after validation, indexed for the engines. */
export interface KnowledgeBase {
  readonly version: string;
  readonly manifest: Manifest;
  readonly vocabulary: Vocabulary;
  readonly concerns: readonly Concern[];
  readonly concernById: ReadonlyMap<string, Concern>;
  readonly contraindications: ReadonlyMap<string, Contraindication>;
  readonly care: ReadonlyMap<string, LocalText>;
  readonly interventions: readonly Intervention[];
  readonly interventionById: ReadonlyMap<string, Intervention>;
  /** The file each intervention came from (for error messages and the README). */
  readonly interventionFile: ReadonlyMap<string, string>;
  readonly regimen: RegimenFile;
  readonly panel: { readonly version: string; readonly variants: readonly PanelVariant[] };
  /** body site id -> its ancestors, itself included. */
  readonly siteAncestors: ReadonlyMap<string, readonly string[]>;
}
