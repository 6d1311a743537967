/**
 * The lesion model card: what training/train_lesion.py writes beside the ONNX file, and
 * what the runner trusts. Pure: parsing and checks only; reading files is
 * model-files.service.ts's job.
 *
 * The card is the single source of the numbers inference needs (class order,
 * preprocessing, temperature, operating points), so a card that does not parse, or whose
 * sha256 does not match the ONNX bytes, stops the model from loading at all.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../platform/errors.ts';

/** The seven HAM10000 diagnoses, in the model's output order. */
export const LESION_CLASSES = ['mel', 'nv', 'bcc', 'akiec', 'bkl', 'df', 'vasc'] as const;
export type LesionClass = (typeof LESION_CLASSES)[number];

/** The suggested actions, from most to least urgent. */
export const LESION_ACTIONS = ['refer', 'monitor', 'benign-appearing'] as const;
export type LesionAction = (typeof LESION_ACTIONS)[number];

const unit = z.number().min(0).max(1);
const ci = z.tuple([unit, unit]).nullable();
const auc = z.object({ value: unit, ci95: z.tuple([unit, unit]), bootstrap: z.string() }).nullable();
const opMetrics = z.object({
  sensitivity: unit.nullable(),
  sensitivity_ci95: ci,
  specificity: unit.nullable(),
  specificity_ci95: ci,
});
const metricSet = z.object({
  n_images: z.number().int().nonnegative(),
  n_lesions: z.number().int().nonnegative(),
  n_melanoma: z.number().int().nonnegative(),
  melanoma_auc: auc,
  malignant_auc: auc,
  balanced_accuracy: unit.nullable(),
  operating_points: z.object({ refer: opMetrics, monitor: opMetrics }),
});
const subgroup = z.record(z.string(), metricSet).refine((r) => Object.keys(r).length > 0, 'must list at least one subgroup');

/** The model card schema (schema_version 1). Unknown extra fields are allowed. */
export const ModelCardSchema = z.object({
  schema_version: z.literal(1),
  name: z.string().min(1),
  version: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be semantic (1.2.3)'),
  task: z.string().min(1),
  created: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  intended_use: z.object({
    summary: z.string().min(20),
    users: z.array(z.string()).min(1),
    inputs: z.string().min(1),
    not_for: z.array(z.string()).min(1),
  }),
  model: z.object({
    file: z.string().regex(/^[\w.-]+\.onnx$/, 'must be a plain .onnx file name in the same folder'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().positive(),
    architecture: z.string().min(1),
    input: z.object({ name: z.string().min(1), shape: z.tuple([z.literal(-1), z.literal(3), z.number().int().positive(), z.number().int().positive()]), dtype: z.literal('float32') }),
    output: z.object({ name: z.string().min(1), shape: z.tuple([z.literal(-1), z.literal(LESION_CLASSES.length)]), dtype: z.literal('float32') }),
  }),
  classes: z
    .array(z.object({ code: z.enum(LESION_CLASSES), name: z.string().min(1), malignant: z.boolean() }))
    .refine((cs) => cs.length === LESION_CLASSES.length && cs.every((c, i) => c.code === LESION_CLASSES[i]), {
      message: `must be ${LESION_CLASSES.join(', ')} in this order`,
    }),
  preprocessing: z.object({
    crop: z.string(),
    resize: z.object({ size: z.number().int().positive(), kernel: z.literal('bilinear'), align_corners: z.literal(false), antialias: z.literal(false) }),
    colour_constancy: z.object({ method: z.literal('shades-of-gray'), p: z.number().positive(), clip: z.tuple([z.literal(0), z.literal(1)]) }),
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  }),
  calibration: z.object({ method: z.literal('temperature'), temperature: z.number().positive().max(100), fitted_on: z.string(), in_force: z.string() }),
  operating_points: z
    .array(
      z.object({
        action: z.enum(['refer', 'monitor']),
        melanoma_threshold: unit,
        chosen_for: z.string().min(1),
        calibration_split: opMetrics,
        test_split: opMetrics,
      }),
    )
    .refine((ops) => ops.length === 2 && ops[0]?.action === 'refer' && ops[1]?.action === 'monitor', 'must be [refer, monitor]')
    .refine((ops) => (ops[0]?.melanoma_threshold ?? 0) >= (ops[1]?.melanoma_threshold ?? 0), "the 'refer' threshold must not be below the 'monitor' one"),
  training: z.object({
    command: z.string().min(1),
    seed: z.number().int(),
    data: z.array(z.object({ folder: z.string(), licence: z.string().min(1), used: z.object({ images: z.number().int().positive(), lesions: z.number().int().positive() }) })).min(1),
  }),
  metrics: z.object({
    split: z.string(),
    /** How the metrics were scored (views, network); older cards lack it. */
    views: z.string().optional(),
    overall: metricSet,
    by_source: subgroup,
    histopathology_confirmed: metricSet,
    by_sex: subgroup,
    by_age_band: subgroup,
    by_body_site: subgroup,
    calibration: z.object({ ece_before: unit, ece_after: unit, bins: z.number().int().positive(), reliability_plot: z.string().regex(/^[\w.-]+\.png$/) }),
  }),
  limitations: z.array(z.string().min(1)).min(3),
  self_test: z
    .object({
      input: z.string().min(1),
      probabilities: z.record(z.enum(LESION_CLASSES), unit),
      melanoma_probability: unit,
      action: z.enum(LESION_ACTIONS),
      tolerance: z.number().positive().max(0.05),
    })
    .nullable(),
});

/** A parsed, schema-valid model card. */
export type ModelCard = z.infer<typeof ModelCardSchema>;

/**
 * Parse a model card; on failure an AppError (NOT_READY: the model cannot serve) names the
 * first bad field, e.g. `model-card.json: calibration.temperature`.
 */
export function parseModelCard(json: unknown, where = 'model-card.json'): ModelCard {
  const parsed = ModelCardSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || '(root)';
    throw new AppError('NOT_READY', `${where}: ${field}: ${issue?.message ?? 'invalid'}`, {
      field: `${where}#${field}`,
      details: { issues: parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) },
    });
  }
  return parsed.data;
}

/** The sha256 of some bytes, lower-case hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Refuse model bytes that are not the ones the card describes: a swapped or truncated
 * ONNX file would otherwise run with the wrong temperature and thresholds.
 */
export function verifyModelBytes(card: ModelCard, bytes: Uint8Array): void {
  const actual = sha256Hex(bytes);
  if (actual !== card.model.sha256 || bytes.byteLength !== card.model.bytes) {
    throw new AppError('NOT_READY', `${card.model.file} does not match its model card (sha256 ${actual.slice(0, 12)}…, card ${card.model.sha256.slice(0, 12)}…)`, {
      field: 'model.sha256',
      details: { expected: card.model.sha256, actual, bytes: bytes.byteLength },
    });
  }
}
