/**
 * Pure helpers of the plan screens: the plan as edited (removals, additions, dose changes
 * folded over the generated plan), dose range checks, citation links, the warning keys
 * PATCH acknowledges, and picking a language. No clinical logic: ranges and exclusions come
 * from the engine's plan and the knowledge base; the server has the last word on warnings.
 */
import type { Citation, Dose, KnowledgeBase } from '../../../src/plans/kb/schema.ts';
import { addCandidates, sitesOverlap } from './kb.ts';
import type { GoalPlan, LocalText, PlanEdit, PlanOption, PlanRecord, PlanWarning, Sourced } from './types.ts';

export type Lang = 'en' | 'es';

/** The text in the user's language (English for anything but Spanish). */
export function local(text: LocalText | undefined, lang: string): string {
  if (!text) return '';
  return lang.startsWith('es') ? text.es : text.en;
}

/** Where a citation can be read: doi.org for a DOI, PubMed for a PMID. */
export function citationLinks(c: Citation): { label: string; href: string }[] {
  const out: { label: string; href: string }[] = [];
  if (c.doi) out.push({ label: `DOI ${c.doi}`, href: `https://doi.org/${c.doi}` });
  if (c.pmid) out.push({ label: `PMID ${c.pmid}`, href: `https://pubmed.ncbi.nlm.nih.gov/${c.pmid}/` });
  return out;
}

/** The key PATCH `acknowledge` takes for a warning: "CODE:<interventionId>" (or the code alone). */
export function warningKey(w: Pick<PlanWarning, 'code' | 'interventionId'>): string {
  return w.interventionId ? `${w.code}:${w.interventionId}` : w.code;
}

/** Warnings still standing in the way of approval. */
export function openWarnings(record: Pick<PlanRecord, 'warnings'>): PlanWarning[] {
  return record.warnings.filter((w) => !w.acknowledged);
}

export type DoseCheck = { status: 'in-range'; range: Dose } | { status: 'out-of-range'; range: Dose | undefined } | { status: 'invalid' };

/**
 * Checks a dose against the ranges for a site: the range whose area overlaps the site and
 * whose unit matches. A value outside it, or a unit no range uses, is out of range (the
 * clinician may still choose it, with a warning to acknowledge); a non-positive or
 * non-numeric value is invalid.
 */
export function checkDose(kb: KnowledgeBase | undefined, ranges: readonly Dose[], site: string | undefined, value: number, unit: string): DoseCheck {
  if (!Number.isFinite(value) || value <= 0) return { status: 'invalid' };
  const forSite = ranges.filter((r) => site === undefined || r.area === site || (kb !== undefined && sitesOverlap(kb, r.area, site)));
  const sameUnit = forSite.filter((r) => r.unit === unit);
  const range = sameUnit[0] ?? forSite[0];
  if (sameUnit.some((r) => value >= r.min && value <= r.max)) return { status: 'in-range', range: sameUnit.find((r) => value >= r.min && value <= r.max)! };
  return { status: 'out-of-range', range };
}

/** A dose range in words: "20–30 U (total)". */
export function rangeText(d: Pick<Dose, 'min' | 'max' | 'unit'>): string {
  return d.min === d.max ? `${d.min} ${d.unit}` : `${d.min}–${d.max} ${d.unit}`;
}

/** One option of a goal as the plan now stands: generated or added, with any dose the clinician set. */
export interface CurrentOption {
  interventionId: string;
  name: LocalText;
  /** Set for options the engine proposed (absent for added ones). */
  generated?: PlanOption;
  added: boolean;
  /** Dose ranges for the goal's sites. */
  ranges: Dose[];
  /** The clinician's dose per site ('' when no site was named). */
  doses: { site: string; value: number; unit: string; outOfRange: boolean }[];
}

export interface CurrentGoal {
  goal: GoalPlan;
  options: CurrentOption[];
  removed: { interventionId: string; name: LocalText }[];
}

/**
 * Folds the edits, in order, over the generated plan: a removal drops an option, an
 * addition brings one in (from the knowledge base), a dose edit sets that option's dose at
 * a site (a later dose at the same site replaces the earlier one).
 */
export function currentPlan(record: Pick<PlanRecord, 'plan' | 'edits'>, kb: KnowledgeBase | undefined): CurrentGoal[] {
  return record.plan.goals.map((goal) => {
    const options: CurrentOption[] = goal.options.map((o) => ({ interventionId: o.interventionId, name: o.name, generated: o, added: false, ranges: [...o.dose], doses: [] }));
    const removed: { interventionId: string; name: LocalText }[] = [];
    for (const e of record.edits.filter((x) => x.goalRank === goal.rank)) applyEdit(e, goal, options, removed, kb);
    return { goal, options, removed };
  });
}

function applyEdit(e: PlanEdit, goal: GoalPlan, options: CurrentOption[], removed: { interventionId: string; name: LocalText }[], kb: KnowledgeBase | undefined): void {
  const i = options.findIndex((o) => o.interventionId === e.interventionId);
  if (e.kind === 'remove') {
    if (i >= 0) {
      const [o] = options.splice(i, 1);
      if (o) removed.push({ interventionId: o.interventionId, name: o.name });
    }
    return;
  }
  if (e.kind === 'add') {
    if (i >= 0) return;
    const r = removed.findIndex((x) => x.interventionId === e.interventionId);
    if (r >= 0) removed.splice(r, 1);
    const generated = goal.options.find((o) => o.interventionId === e.interventionId);
    if (generated) {
      options.push({ interventionId: generated.interventionId, name: generated.name, generated, added: false, ranges: [...generated.dose], doses: [] });
      return;
    }
    const iv = kb?.interventionById.get(e.interventionId);
    const all = iv?.dose ?? [];
    const near = kb ? all.filter((d) => sitesOverlap(kb, d.area, goal.area)) : [];
    const ranges = near.length ? near : all;
    options.push({ interventionId: e.interventionId, name: iv?.names ?? { en: e.interventionId, es: e.interventionId }, added: true, ranges, doses: [] });
    return;
  }
  // dose
  const o = options[i];
  if (!o || !e.dose) return;
  const site = e.site ?? '';
  const outOfRange = e.outOfRange ?? checkDose(kb, o.ranges, e.site, e.dose.value, e.dose.unit).status !== 'in-range';
  const next = { site, value: e.dose.value, unit: e.dose.unit, outOfRange };
  const j = o.doses.findIndex((d) => d.site === site);
  if (j >= 0) o.doses[j] = next;
  else o.doses.push(next);
}

/**
 * Interventions the clinician may add to one goal of the plan as it now stands. An option
 * the plan excluded for any goal is never offered: the same patient facts apply (the
 * server refuses it too, naming the rule).
 */
export function addableFor(kb: KnowledgeBase, current: CurrentGoal, allGoals: readonly Pick<GoalPlan, 'excluded'>[] = [current.goal]): ReturnType<typeof addCandidates> {
  const excluded = allGoals.flatMap((g) => g.excluded);
  return addCandidates(kb, { ...current.goal, excluded }, current.options.map((o) => o.interventionId));
}

/** The sites a dose can be set for: the option's ranges' areas, else the goal's area. */
export function doseSites(option: CurrentOption, goalArea: string): string[] {
  const sites = [...new Set(option.ranges.map((r) => r.area))];
  return sites.length ? sites : [goalArea];
}

/** The record entry behind a profile field, from the profile's sources ("where this came from"). */
export function sourceFor(sources: readonly Sourced[], field: string): Sourced | undefined {
  // medications[0].class -> medications[0] -> medications: the most specific source wins.
  let f = field;
  for (;;) {
    const hit = sources.find((s) => s.field === f);
    if (hit) return hit;
    const cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
    if (cut <= 0) return undefined;
    f = f.slice(0, cut);
  }
}

/** A profile value in words for the sources table. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(valueText).join('; ');
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const k of ['display', 'name', 'text', 'class', 'concern', 'code', 'model']) if (typeof o[k] === 'string') return o[k] as string;
  }
  return JSON.stringify(value);
}

/** The goals a new plan starts from: the profile's (the intake's ranked goals), in rank order. */
export function defaultGoals(input: { goals?: readonly { concern: string; area?: string | undefined; rank?: number | undefined }[] } | undefined): { concern: string; area: string }[] {
  const goals = [...(input?.goals ?? [])].map((g, i) => ({ ...g, order: g.rank ?? i + 1 }));
  goals.sort((a, b) => a.order - b.order);
  return goals.map((g) => ({ concern: g.concern, area: g.area ?? '' }));
}

/** The generate body's goals: blank rows dropped, a blank area left to the concern's default. */
export function goalsForRequest(rows: readonly { concern: string; area: string }[]): { concern: string; area?: string }[] {
  return rows.filter((r) => r.concern !== '').map((r) => (r.area ? { concern: r.concern, area: r.area } : { concern: r.concern }));
}
