/**
 * The plan engine's input: the patient profile, as the record (intake, lesion, risk,
 * genetics) describes it. `validateProfile` checks shape and plausibility against the
 * knowledge base and throws an AppError naming the field (e.g. `goals[1].concern`) for
 * every bad input. It never guesses: a contradiction (pregnant and male, pregnant at 80)
 * is refused, not repaired.
 */
import { z } from 'zod';
import { AppError, invalidField } from '../platform/errors.ts';
import { FITZPATRICK, TENDENCIES, type KnowledgeBase } from './kb/schema.ts';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const ref = z.string().min(1).max(200).optional();
const id = z.string().min(1).max(64);

const tendencyLevel = z.object({ level: z.enum(['typical', 'elevated', 'high']), because: z.array(z.string()) }).strict();

/** What the genetics panel contributes to a profile (genotype/panel.ts produces it). */
export const profileGeneticsSchema = z
  .object({
    panelVersion: z.string().min(1),
    tendencies: z.object(Object.fromEntries(TENDENCIES.map((t) => [t, tendencyLevel])) as Record<(typeof TENDENCIES)[number], typeof tendencyLevel>).strict(),
    /** Per-variant lines as the panel reported them (kept for the plan's explanation). */
    variants: z.array(z.object({ rsid: z.string(), gene: z.string(), genotype: z.string().nullable(), effectAlleleCount: z.number().int().min(0).max(2).nullable() }).passthrough()).optional(),
    ref,
  })
  // The panel's other fields (source, fileSummary, caveat) ride along untouched.
  .loose();

export const profileSchema = z
  .object({
    /** Patient id or reference, echoed into the plan. */
    id: z.string().min(1).max(200).optional(),
    age: z.number().min(0).max(120),
    sex: z.enum(['female', 'male', 'other']),
    fitzpatrick: z.enum(FITZPATRICK).optional(),
    pregnant: z.boolean().default(false),
    breastfeeding: z.boolean().default(false),
    medications: z.array(z.object({ class: id, name: z.string().max(200).optional(), start: isoDate.optional(), end: isoDate.optional(), ref }).strict()).default([]),
    allergies: z.array(z.object({ ingredient: id, ref }).strict()).default([]),
    conditions: z.array(z.object({ code: id, text: z.string().max(200).optional(), ref }).strict()).default([]),
    oncology: z
      .array(z.object({ treatment: id, site: id.optional(), start: isoDate.optional(), end: isoDate.optional(), ref }).strict())
      .default([]),
    lesions: z
      .array(
        z
          .object({
            site: id,
            /** The lesion capability's suggested action. */
            aiSuggestion: z.enum(['refer', 'monitor', 'benign-appearing']),
            /** cleared: a clinician has examined it and released the site. */
            status: z.enum(['unresolved', 'cleared']),
            ref,
          })
          .strict(),
      )
      .default([]),
    bddScreen: z.object({ positive: z.boolean(), score: z.number().min(0).max(21).optional(), ref }).strict().optional(),
    cardiovascularRisk: z
      .object({
        model: z.string().min(1),
        riskPercent: z.number().min(0).max(100),
        horizonYears: z.number().int().positive(),
        category: z.object({ code: z.string().min(1), label: z.string().min(1) }).strict().optional(),
        modifiableFactors: z
          .array(z.object({ factor: z.string().min(1), actual: z.string().optional(), attributedPercentPoints: z.number() }).strict())
          .default([]),
        ref,
      })
      .strict()
      .optional(),
    genetics: profileGeneticsSchema.optional(),
    goals: z
      .array(z.object({ concern: id, area: id.optional(), rank: z.number().int().min(1).optional() }).strict())
      .min(1, 'at least one goal is needed'),
    preferences: z
      .object({ maxDowntimeDays: z.number().min(0).max(365).optional(), budget: z.enum(['low', 'medium', 'high']).optional() })
      .strict()
      .default({}),
  })
  .strict();

export type PlanProfileInput = z.input<typeof profileSchema>;
export type PlanProfile = z.output<typeof profileSchema>;
export type ProfileGenetics = z.output<typeof profileGeneticsSchema>;

/** A goal after validation: rank resolved, area resolved to the concern's default when absent. */
export interface ResolvedGoal {
  readonly concern: string;
  readonly area: string;
  readonly rank: number;
  /** Index in the profile's goals list (for error and record references). */
  readonly index: number;
}

export interface ValidProfile {
  readonly profile: PlanProfile;
  readonly goals: readonly ResolvedGoal[];
}

/** Pregnancy is refused as implausible above this age (oldest reported assisted pregnancies are in the mid-60s). */
export const MAX_PREGNANCY_AGE = 65;
/** And below this one. */
export const MIN_PREGNANCY_AGE = 10;

function path(p: readonly PropertyKey[]): string {
  let out = '';
  for (const k of p) out += typeof k === 'number' ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out;
}

/** Validates a profile against the schema and the knowledge base; throws an AppError naming the field. */
export function validateProfile(input: unknown, kb: KnowledgeBase, asOf: string): ValidProfile {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw invalidField('profile', 'must be a JSON object');
  const parsed = profileSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? path(issue.path) || 'profile' : 'profile';
    throw new AppError('VALIDATION_FAILED', `${field}: ${issue?.message ?? 'invalid'}`, { field });
  }
  const p = parsed.data;

  if (p.pregnant && p.sex === 'male') throw invalidField('pregnant', 'a profile with sex "male" cannot be pregnant; check the record');
  if (p.pregnant && (p.age > MAX_PREGNANCY_AGE || p.age < MIN_PREGNANCY_AGE)) {
    throw invalidField('pregnant', `pregnancy at age ${p.age} is not plausible (accepted ${MIN_PREGNANCY_AGE}-${MAX_PREGNANCY_AGE}); check the age and pregnancy status`);
  }
  if (p.breastfeeding && p.age < MIN_PREGNANCY_AGE) throw invalidField('breastfeeding', `breastfeeding at age ${p.age} is not plausible`);

  const known = (list: readonly { id: string }[]) => new Set(list.map((x) => x.id));
  const meds = known(kb.vocabulary.medicationClasses);
  const conditions = known(kb.vocabulary.conditions);
  const ingredients = known(kb.vocabulary.ingredients);
  const onc = known(kb.vocabulary.oncologyTreatments);
  const sites = kb.siteAncestors;
  const listOf = (s: Set<string>) => [...s].join(', ');

  const checkDates = (field: string, start: string | undefined, end: string | undefined): void => {
    for (const [k, v] of [['start', start], ['end', end]] as const) {
      if (v === undefined) continue;
      if (Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw invalidField(`${field}.${k}`, `'${v}' is not a calendar date`);
      if (v > asOf) throw invalidField(`${field}.${k}`, `${v} is after the plan date ${asOf}`);
    }
    if (start && end && end < start) throw invalidField(`${field}.end`, `ends (${end}) before it starts (${start})`);
  };
  p.medications.forEach((m, i) => {
    if (!meds.has(m.class)) throw invalidField(`medications[${i}].class`, `'${m.class}' is not a known medication class (${listOf(meds)})`);
    checkDates(`medications[${i}]`, m.start, m.end);
  });
  p.allergies.forEach((a, i) => {
    if (!ingredients.has(a.ingredient)) throw invalidField(`allergies[${i}].ingredient`, `'${a.ingredient}' is not a known ingredient (${listOf(ingredients)})`);
  });
  p.conditions.forEach((c, i) => {
    if (!conditions.has(c.code)) throw invalidField(`conditions[${i}].code`, `'${c.code}' is not a known condition (${listOf(conditions)})`);
  });
  p.oncology.forEach((o, i) => {
    if (!onc.has(o.treatment)) throw invalidField(`oncology[${i}].treatment`, `'${o.treatment}' is not a known oncology treatment (${listOf(onc)})`);
    if (o.site !== undefined && !sites.has(o.site)) throw invalidField(`oncology[${i}].site`, `'${o.site}' is not a known body site`);
    checkDates(`oncology[${i}]`, o.start, o.end);
  });
  p.lesions.forEach((l, i) => {
    if (!sites.has(l.site)) throw invalidField(`lesions[${i}].site`, `'${l.site}' is not a known body site`);
  });

  const ranks = new Set<number>();
  const seen = new Set<string>();
  const goals: ResolvedGoal[] = p.goals.map((g, i) => {
    const concern = kb.concernById.get(g.concern);
    if (!concern) throw invalidField(`goals[${i}].concern`, `'${g.concern}' is not a known concern (${kb.concerns.map((c) => c.id).join(', ')})`);
    const area = g.area ?? concern.defaultArea;
    if (!sites.has(area)) throw invalidField(`goals[${i}].area`, `'${area}' is not a known body site`);
    if (!concern.areas.some((a) => overlaps(kb, a, area))) throw invalidField(`goals[${i}].area`, `'${area}' is not an area where '${concern.id}' is treated (${concern.areas.join(', ')})`);
    const rank = g.rank ?? i + 1;
    if (ranks.has(rank)) throw invalidField(`goals[${i}].rank`, `rank ${rank} is used twice`);
    ranks.add(rank);
    const key = `${g.concern}@${area}`;
    if (seen.has(key)) throw invalidField(`goals[${i}]`, `the goal '${g.concern}' at '${area}' is listed twice`);
    seen.add(key);
    return { concern: g.concern, area, rank, index: i };
  });
  goals.sort((a, b) => a.rank - b.rank);
  return { profile: p, goals };
}

/** True when one body site contains the other (or they are the same). */
export function overlaps(kb: KnowledgeBase, a: string, b: string): boolean {
  return (kb.siteAncestors.get(a)?.includes(b) ?? false) || (kb.siteAncestors.get(b)?.includes(a) ?? false);
}
