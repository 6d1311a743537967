/**
 * The JSON the lesion HTTP API answers with (see README.md), as zod schemas and their types.
 * Shared by the service (which builds these), the routes and the web app, so it depends on
 * nothing but zod and the type-only contract in ./types.ts: no Node modules, no engines.
 *
 * Conventions: timestamps are ISO 8601 strings; probabilities and rates are in [0, 1];
 * a value the caller may not see (blinded first read, a nurse) is `null`, never omitted,
 * and `analysisWithheld` says why.
 */
import { z } from 'zod';
import type {
  AcceptedAnalysis,
  CalibrationInForce,
  LesionFeatures,
  ModelRef,
  QualityReport,
  RejectedAnalysis,
  RejectionReason,
  Uncertainty,
} from './types.ts';

// Restated here (not imported from model-card.ts, which needs node:crypto) and held equal to
// model-card.ts's LESION_CLASSES / LESION_ACTIONS by the type checks at the end of this file.
export const VIEW_LESION_CLASSES = ['mel', 'nv', 'bcc', 'akiec', 'bkl', 'df', 'vasc'] as const;
export const VIEW_LESION_ACTIONS = ['refer', 'monitor', 'benign-appearing'] as const;
const VIEW_REJECTION_REASONS = [
  'unreadable',
  'too-large',
  'too-small',
  'grayscale',
  'transparent',
  'blurred',
  'over-exposed',
  'under-exposed',
  'not-dermoscopic',
  'hair-obscured',
] as const;

export const EXAM_STATUSES = ['awaiting-impression', 'revealed', 'signed', 'cannot-assess'] as const;
export type ExamStatus = (typeof EXAM_STATUSES)[number];

export const CONFIDENCE_LEVELS = ['low', 'medium', 'high'] as const;

const lesionClass = z.enum(VIEW_LESION_CLASSES);
const lesionAction = z.enum(VIEW_LESION_ACTIONS);
/** A clinician's or pathologist's diagnosis: one of the seven classes, or 'other'. */
const diagnosis = z.union([lesionClass, z.literal('other')]);
// Not range-checked: sums of floating-point probabilities may pass 1 by a rounding error.
const unit = z.number();
const isoTime = z.string();

/** Who did something: the user's id and display name (null when the user no longer exists). */
export const UserRefSchema = z.object({ id: z.string(), name: z.string().nullable() });
export type UserRef = z.infer<typeof UserRefSchema>;

// ---------------------------------------------------------------------------------------
// Body sites

export const BodySiteSchema = z.object({
  /** SNOMED CT concept id. */
  code: z.string(),
  system: z.literal('http://snomed.info/sct'),
  /** The SNOMED CT display (English). */
  display: z.string(),
  label: z.object({ en: z.string(), es: z.string() }),
});
export type BodySite = z.infer<typeof BodySiteSchema>;

// ---------------------------------------------------------------------------------------
// The analysis as the API shows it: types.ts's LesionAnalysis, pictures by URL

const modelRef = z.object({ name: z.string(), version: z.string(), sha256: z.string() });
const calibrationInForce = z.object({
  source: z.string(),
  temperature: z.number(),
  referThreshold: unit,
  monitorThreshold: unit,
});
const qualityCheck = z.object({ name: z.string(), value: z.number(), limit: z.number(), kind: z.enum(['min', 'max']), passed: z.boolean() });
const qualityReport = z.object({
  passed: z.boolean(),
  reason: z.enum(VIEW_REJECTION_REASONS).nullable(),
  message: z.string().nullable(),
  checks: z.array(qualityCheck),
  notes: z.array(z.string()),
  width: z.number(),
  height: z.number(),
});
const uncertainty = z.object({
  views: z.number().int(),
  melanomaSd: z.number(),
  melanomaRange: z.tuple([z.number(), z.number()]),
  entropy: z.number(),
  level: z.enum(['low', 'moderate', 'high']),
  crossesOperatingPoint: z.boolean(),
});
const features = z.object({
  areaFraction: z.number(),
  asymmetry: z.number(),
  borderIrregularity: z.number(),
  colourCount: z.number().int(),
  colours: z.array(z.string()),
  diameterPx: z.number(),
  diameterMm: z.number().nullable(),
  segmentationReliable: z.boolean(),
});

/** A picture of an analysis, fetched from `url` (PNG). */
export const ExamPictureSchema = z.object({
  kind: z.enum(['outline', 'heatmap']),
  mediaType: z.literal('image/png'),
  width: z.number().int(),
  height: z.number().int(),
  /** e.g. /api/lesion/exams/<id>/outline.png */
  url: z.string(),
});
export type ExamPicture = z.infer<typeof ExamPictureSchema>;

export const ExamAcceptedAnalysisSchema = z.object({
  status: z.literal('ok'),
  quality: qualityReport,
  probabilities: z.object({ mel: unit, nv: unit, bcc: unit, akiec: unit, bkl: unit, df: unit, vasc: unit }),
  melanomaProbability: unit,
  malignantProbability: unit,
  uncertainty,
  suggestion: z.object({ action: lesionAction, text: z.string() }),
  features,
  calibration: calibrationInForce,
  model: modelRef,
  inputSha256: z.string(),
  /** The outline always; the heatmap too (computed on first request when not stored). */
  pictures: z.array(ExamPictureSchema),
});
export const ExamRejectedAnalysisSchema = z.object({
  status: z.literal('rejected'),
  reason: z.enum(VIEW_REJECTION_REASONS),
  message: z.string(),
  quality: qualityReport.nullable(),
  model: modelRef,
  inputSha256: z.string(),
});
export const ExamAnalysisSchema = z.discriminatedUnion('status', [ExamAcceptedAnalysisSchema, ExamRejectedAnalysisSchema]);
export type ExamAnalysis = z.infer<typeof ExamAnalysisSchema>;

// ---------------------------------------------------------------------------------------
// Exams

export const ImpressionSchema = z.object({
  diagnosis,
  action: lesionAction,
  confidence: z.enum(CONFIDENCE_LEVELS),
  note: z.string().nullable(),
  /** True when recorded before the AI result was shown (blinded first read). */
  blinded: z.boolean(),
  by: UserRefSchema,
  at: isoTime,
});
export type Impression = z.infer<typeof ImpressionSchema>;

export const DecisionSchema = z.object({
  agreesWithAi: z.boolean(),
  diagnosis,
  action: lesionAction,
  note: z.string().nullable(),
  by: UserRefSchema,
  at: isoTime,
  /** The FHIR DiagnosticReport written on signing. */
  diagnosticReportId: z.string(),
});
export type Decision = z.infer<typeof DecisionSchema>;

export const HistopathologySchema = z.object({
  diagnosis,
  malignant: z.boolean(),
  /** YYYY-MM-DD, the date of the pathology report. */
  date: z.string(),
  note: z.string().nullable(),
  by: UserRefSchema,
  at: isoTime,
  /** The FHIR Observation holding the result. */
  observationId: z.string(),
});
export type Histopathology = z.infer<typeof HistopathologySchema>;

export const ExamViewSchema = z.object({
  id: z.string(),
  lesionId: z.string(),
  patientId: z.string(),
  status: z.enum(EXAM_STATUSES),
  /** True while the exam awaits the impression under the clinic's blinded first read. */
  blinded: z.boolean(),
  /**
   * Why `analysis` is null: 'blinded' (record the impression first), 'role' (nurses never see
   * AI output), 'consent' (the patient's ai-analysis consent is no longer in force); null when
   * it is shown.
   */
  analysisWithheld: z.enum(['blinded', 'role', 'consent']).nullable(),
  createdAt: isoTime,
  createdBy: UserRefSchema,
  image: z.object({
    fileId: z.string(),
    /** The stored image (EXIF removed): /api/lesion/exams/<id>/image */
    url: z.string(),
    contentType: z.string(),
    /** The FHIR Media that records the image. */
    mediaId: z.string(),
  }),
  pixelsPerMm: z.number().nullable(),
  /**
   * The quality gate's verdict: shown to everyone who captures (retake guidance), even while
   * the analysis is withheld; it says nothing about the diagnosis.
   */
  quality: z
    .object({
      passed: z.boolean(),
      reason: z.enum(VIEW_REJECTION_REASONS).nullable(),
      message: z.string().nullable(),
      /** The measurements that failed, so the app can say them in the user's language. */
      failedChecks: z.array(qualityCheck),
    })
    .nullable(),
  /** The model that analysed the image (identity only; not an output). */
  model: modelRef,
  impression: ImpressionSchema.nullable(),
  decision: DecisionSchema.nullable(),
  histopathology: HistopathologySchema.nullable(),
  analysis: ExamAnalysisSchema.nullable(),
  /** What the caller may do next on this exam. */
  allowed: z.object({ impression: z.boolean(), decision: z.boolean(), histopathology: z.boolean() }),
});
export type ExamView = z.infer<typeof ExamViewSchema>;

// ---------------------------------------------------------------------------------------
// Lesions

export const LesionSummarySchema = z.object({
  /** The FHIR BodyStructure id. */
  id: z.string(),
  patientId: z.string(),
  bodySite: BodySiteSchema,
  /** The clinician's label, e.g. "left shoulder, 2 cm below the scar". */
  label: z.string(),
  createdAt: isoTime,
  createdBy: UserRefSchema,
  /** Newest first. */
  exams: z.array(ExamViewSchema),
});
export type LesionSummary = z.infer<typeof LesionSummarySchema>;

// ---------------------------------------------------------------------------------------
// Evolution (the same lesion over time)

const change = z.object({ before: z.number(), after: z.number(), delta: z.number() });

export const EvolutionExamSchema = z.object({
  examId: z.string(),
  createdAt: isoTime,
  status: z.enum(EXAM_STATUSES),
  imageUrl: z.string(),
  outlineUrl: z.string().nullable(),
  /** Null when this exam's analysis is withheld from the caller or the image was rejected. */
  diameterMm: z.number().nullable(),
  diameterPx: z.number().nullable(),
  colourCount: z.number().int().nullable(),
  colours: z.array(z.string()).nullable(),
  asymmetry: z.number().nullable(),
  melanomaProbability: unit.nullable(),
  suggestion: lesionAction.nullable(),
  analysisWithheld: z.enum(['blinded', 'role', 'consent']).nullable(),
});
export type EvolutionExam = z.infer<typeof EvolutionExamSchema>;

export const EvolutionFlagSchema = z.object({
  /** e.g. 'growing', 'new-colour', 'more-asymmetric', 'probability-crossed-operating-point'. */
  code: z.string(),
  message: z.string(),
});
export type EvolutionFlag = z.infer<typeof EvolutionFlagSchema>;

/** One consecutive pair of assessable exams. */
export const EvolutionChangeSchema = z.object({
  fromExamId: z.string(),
  toExamId: z.string(),
  intervalDays: z.number(),
  diameter: change.extend({ unit: z.enum(['mm', 'px']) }).nullable(),
  colourCount: change.nullable(),
  coloursGained: z.array(z.string()),
  asymmetry: change.nullable(),
  melanomaProbability: change.nullable(),
  flags: z.array(EvolutionFlagSchema),
  /** Caveats for the comparison, e.g. "diameter in pixels: no scale was given". */
  notes: z.array(z.string()),
});
export type EvolutionChange = z.infer<typeof EvolutionChangeSchema>;

export const EvolutionSchema = z.object({
  lesionId: z.string(),
  patientId: z.string(),
  bodySite: BodySiteSchema,
  label: z.string(),
  /** Oldest first. */
  exams: z.array(EvolutionExamSchema),
  changes: z.array(EvolutionChangeSchema),
  /** Union of the flags of all changes. */
  flags: z.array(EvolutionFlagSchema),
  evolving: z.boolean(),
});
export type Evolution = z.infer<typeof EvolutionSchema>;

// ---------------------------------------------------------------------------------------
// Statistics shared by performance and operating points

/** A proportion with its count and Wilson 95% CI; value and ci95 are null when n = 0. */
export const RateSchema = z.object({
  value: unit.nullable(),
  ci95: z.tuple([unit, unit]).nullable(),
  /** Numerator and denominator. */
  k: z.number().int(),
  n: z.number().int(),
});
export type Rate = z.infer<typeof RateSchema>;

/** Sensitivity and specificity for melanoma at one operating point (or of a reader). */
export const PointStatsSchema = z.object({
  action: z.enum(['refer', 'monitor']),
  threshold: unit,
  sensitivity: RateSchema,
  specificity: RateSchema,
  /** The model card's validated (test split) numbers at its own point, for comparison. */
  card: z.object({ sensitivity: unit.nullable(), specificity: unit.nullable() }).nullable(),
});
export type PointStats = z.infer<typeof PointStatsSchema>;

// ---------------------------------------------------------------------------------------
// Performance (agreement per clinician, live performance)

export const ClinicianPerformanceSchema = z.object({
  clinician: UserRefSchema,
  /** Impressions recorded. */
  reads: z.number().int(),
  /** Impression's action equal to the AI's suggested action, over reads with an AI result. */
  agreement: RateSchema,
  /** Signed decisions that disagreed with the AI, over signed decisions. */
  overrides: RateSchema,
  /**
   * Blinded impression differed from the AI and the final decision took the AI's action: a
   * rising rate with no gain in accuracy is a sign of over-reliance (automation bias).
   */
  switchedToAi: RateSchema,
  /** Confirmed exams where the impression and the AI disagreed about 'refer', and who was right. */
  disagreements: z.object({ total: z.number().int(), clinicianRight: z.number().int(), aiRight: z.number().int() }),
  /** Against histopathology (melanoma yes/no); null when no confirmed cases. */
  confirmed: z.object({
    cases: z.number().int(),
    impression: z.object({ sensitivity: RateSchema, specificity: RateSchema }),
    ai: z.object({ sensitivity: RateSchema, specificity: RateSchema }),
    decision: z.object({ sensitivity: RateSchema, specificity: RateSchema }),
  }).nullable(),
});
export type ClinicianPerformance = z.infer<typeof ClinicianPerformanceSchema>;

export const PerformanceViewSchema = z.object({
  generatedAt: isoTime,
  clinicians: z.array(ClinicianPerformanceSchema),
  live: z.object({
    /** Exams with a reference standard (histopathology, or benign followed up without change). */
    confirmedCases: z.number().int(),
    melanomas: z.number().int(),
    melanomaAuc: z.object({ value: unit, ci95: z.tuple([unit, unit]).nullable() }).nullable(),
    cardMelanomaAuc: z.object({ value: unit, ci95: z.tuple([unit, unit]) }).nullable(),
    points: z.array(PointStatsSchema),
  }),
  model: modelRef,
  notes: z.array(z.string()),
});
export type PerformanceView = z.infer<typeof PerformanceViewSchema>;

// ---------------------------------------------------------------------------------------
// Operating points (admin)

export const OperatingPointVersionSchema = z.object({
  /** 1, 2, ...; the newest is in force. */
  version: z.number().int(),
  referThreshold: unit,
  monitorThreshold: unit,
  temperature: z.number(),
  reason: z.string(),
  revertToModelCard: z.boolean(),
  /** Case counts and CIs at adoption, as computed then. */
  basis: z.record(z.string(), z.unknown()),
  createdBy: UserRefSchema,
  createdAt: isoTime,
});
export type OperatingPointVersion = z.infer<typeof OperatingPointVersionSchema>;

export const OperatingPointsViewSchema = z.object({
  inForce: calibrationInForce.extend({ version: z.number().int().nullable() }),
  card: calibrationInForce,
  /** Newest first. */
  versions: z.array(OperatingPointVersionSchema),
  clinic: z.object({
    counts: z.object({
      /** Exams with an AI result. */
      total: z.number().int(),
      /** With a reference standard: histopathology, or benign followed up without change. */
      confirmed: z.number().int(),
      melanomas: z.number().int(),
      nonMelanomas: z.number().int(),
      byHistopathology: z.number().int(),
      byFollowUp: z.number().int(),
      /** Left out, by reason (e.g. 'no-outcome', 'benign-not-followed-up'). */
      excluded: z.record(z.string(), z.number().int()),
    }),
    /** At the card's thresholds; at those in force when they differ from the card's (else null). */
    atCard: z.array(PointStatsSchema),
    atInForce: z.array(PointStatsSchema).nullable(),
  }),
  minimum: z.object({
    cases: z.number().int(),
    melanomas: z.number().int(),
    met: z.boolean(),
    missingCases: z.number().int(),
    missingMelanomas: z.number().int(),
    message: z.string(),
  }),
  /** Thresholds reaching the card's target sensitivities on the clinic's cases; null below the minimum. */
  proposal: z
    .object({
      referThreshold: unit,
      monitorThreshold: unit,
      temperature: z.number(),
      points: z.array(PointStatsSchema),
      /** Caveat, e.g. in-sample fit. */
      note: z.string(),
    })
    .nullable(),
});
export type OperatingPointsView = z.infer<typeof OperatingPointsViewSchema>;

// ---------------------------------------------------------------------------------------
// Settings and model card

export const LesionSettingsSchema = z.object({
  blindedFirstRead: z.boolean(),
  updatedAt: isoTime.nullable(),
  updatedBy: UserRefSchema.nullable(),
});
export type LesionSettings = z.infer<typeof LesionSettingsSchema>;

/** GET /model-card: the card as shipped (model-card.ts's ModelCard) and the calibration in force. */
export const ModelCardViewSchema = z.object({
  card: z.record(z.string(), z.unknown()),
  calibration: calibrationInForce.extend({ version: z.number().int().nullable() }),
  /** The reliability plot PNG named by the card. */
  reliabilityPlotUrl: z.string(),
});
export type ModelCardView = z.infer<typeof ModelCardViewSchema>;

// ---------------------------------------------------------------------------------------
// Request bodies (the routes validate with these; the web may too)

const note = z.string().trim().max(2000).optional();

export const CreateLesionBodySchema = z.object({ bodySite: z.string().min(1), label: z.string().trim().min(1).max(200) }).strict();
export const CreateExamBodySchema = z
  .object({ fileId: z.uuid(), pixelsPerMm: z.number().positive().max(10000).optional() })
  .strict();
export const ImpressionBodySchema = z
  .object({ diagnosis, action: lesionAction, confidence: z.enum(CONFIDENCE_LEVELS), note })
  .strict();
export const DecisionBodySchema = z.object({ agreesWithAi: z.boolean(), diagnosis, action: lesionAction, note }).strict();
export const HistopathologyBodySchema = z
  .object({ diagnosis, malignant: z.boolean(), date: z.iso.date(), note })
  .strict();
export const SettingsBodySchema = z.object({ blindedFirstRead: z.boolean() }).strict();
export const OperatingPointBodySchema = z.union([
  z
    .object({
      referThreshold: z.number().gt(0).lt(1),
      monitorThreshold: z.number().gt(0).lt(1),
      temperature: z.number().positive().max(100).optional(),
      reason: z.string().trim().min(1).max(2000),
    })
    .strict(),
  z.object({ revertToModelCard: z.literal(true), reason: z.string().trim().min(1).max(2000) }).strict(),
]);
export type CreateLesionBody = z.infer<typeof CreateLesionBodySchema>;
export type CreateExamBody = z.infer<typeof CreateExamBodySchema>;
export type ImpressionBody = z.infer<typeof ImpressionBodySchema>;
export type DecisionBody = z.infer<typeof DecisionBodySchema>;
export type HistopathologyBody = z.infer<typeof HistopathologyBodySchema>;
export type SettingsBody = z.infer<typeof SettingsBodySchema>;
export type OperatingPointBody = z.infer<typeof OperatingPointBodySchema>;

// ---------------------------------------------------------------------------------------
// Compile-time checks: these schemas stay in step with types.ts (a mismatch fails tsc).

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type ViewAccepted = z.infer<typeof ExamAcceptedAnalysisSchema>;
export type _ViewChecks = [
  Assert<Same<Omit<ViewAccepted, 'pictures'>, Omit<AcceptedAnalysis, 'pictures'>>>,
  Assert<Same<z.infer<typeof ExamRejectedAnalysisSchema>, RejectedAnalysis>>,
  Assert<Same<z.infer<typeof qualityReport>, QualityReport>>,
  Assert<Same<z.infer<typeof uncertainty>, Uncertainty>>,
  Assert<Same<z.infer<typeof features>, LesionFeatures>>,
  Assert<Same<z.infer<typeof modelRef>, ModelRef>>,
  Assert<Same<z.infer<typeof calibrationInForce>, CalibrationInForce>>,
  Assert<Same<(typeof VIEW_REJECTION_REASONS)[number], RejectionReason>>,
  Assert<Same<(typeof VIEW_LESION_CLASSES)[number], keyof AcceptedAnalysis['probabilities']>>,
  Assert<Same<(typeof VIEW_LESION_ACTIONS)[number], AcceptedAnalysis['suggestion']['action']>>,
];
