/**
 * Evaluates the knowledge base's contraindication rules (kb/schema.ts `Rule`) against a
 * profile. A rule that holds returns the profile facts that made it hold (the "triggers"),
 * each with the profile field and the record reference when the profile carries one, so a
 * plan can say not only "excluded" but "excluded because of this entry".
 */
import type { Fact, KnowledgeBase, Rule } from './kb/schema.ts';
import { overlaps, type PlanProfile } from './profile.ts';

/** One profile fact that made a rule hold. */
export interface Trigger {
  /** The rule fact, e.g. `medication`, `lesion-refer-in-area`; `preference` for the patient's own preferences. */
  readonly fact: Fact['fact'] | 'preference';
  /** The profile field, e.g. `medications[0]`, `pregnant`. */
  readonly field: string;
  /** The fact in words (language-neutral values). */
  readonly detail: string;
  /** The record entry behind it (e.g. `MedicationStatement/123`), when the profile names one. */
  readonly ref?: string;
}

export interface RuleContext {
  readonly kb: KnowledgeBase;
  readonly profile: PlanProfile;
  /** Plan date, YYYY-MM-DD. */
  readonly asOf: string;
  /** Body sites the option would treat for this goal. */
  readonly sites: readonly string[];
}

/** YYYY-MM-DD minus whole calendar months (day clamped to the month's end). */
export function monthsBefore(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) - months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** Active now, or ended no earlier than `withinMonths` before asOf (0: active on asOf). */
function activeWithin(item: { start?: string | undefined; end?: string | undefined }, asOf: string, withinMonths: number): boolean {
  if (item.start !== undefined && item.start > asOf) return false;
  if (item.end === undefined) return true;
  return item.end >= monthsBefore(asOf, withinMonths);
}

const span = (start?: string, end?: string): string => `${start ?? '?'} to ${end ?? 'ongoing'}`;
const withRef = (t: Omit<Trigger, 'ref'>, ref: string | undefined): Trigger => (ref === undefined ? t : { ...t, ref });

function evaluateFact(f: Fact, ctx: RuleContext): Trigger[] | null {
  const p = ctx.profile;
  switch (f.fact) {
    case 'pregnant':
      return p.pregnant ? [{ fact: f.fact, field: 'pregnant', detail: 'pregnant: yes' }] : null;
    case 'breastfeeding':
      return p.breastfeeding ? [{ fact: f.fact, field: 'breastfeeding', detail: 'breastfeeding: yes' }] : null;
    case 'age': {
      const ok = (f.lt === undefined || p.age < f.lt) && (f.gte === undefined || p.age >= f.gte);
      return ok ? [{ fact: f.fact, field: 'age', detail: `age ${p.age}` }] : null;
    }
    case 'sex':
      return f.in.includes(p.sex) ? [{ fact: f.fact, field: 'sex', detail: `sex ${p.sex}` }] : null;
    case 'fitzpatrick':
      return p.fitzpatrick && f.in.includes(p.fitzpatrick) ? [{ fact: f.fact, field: 'fitzpatrick', detail: `Fitzpatrick ${p.fitzpatrick}` }] : null;
    case 'medication': {
      const hits = p.medications.flatMap((m, i) =>
        f.classes.includes(m.class) && activeWithin(m, ctx.asOf, f.withinMonths)
          ? [withRef({ fact: f.fact, field: `medications[${i}]`, detail: `${m.name ?? m.class} (${m.class}), ${span(m.start, m.end)}` }, m.ref)]
          : [],
      );
      return hits.length ? hits : null;
    }
    case 'condition': {
      const hits = p.conditions.flatMap((c, i) => (f.codes.includes(c.code) ? [withRef({ fact: f.fact, field: `conditions[${i}]`, detail: `condition ${c.code}${c.text ? ` (${c.text})` : ''}` }, c.ref)] : []));
      return hits.length ? hits : null;
    }
    case 'allergy': {
      const hits = p.allergies.flatMap((a, i) => (f.ingredients.includes(a.ingredient) ? [withRef({ fact: f.fact, field: `allergies[${i}]`, detail: `allergy to ${a.ingredient}` }, a.ref)] : []));
      return hits.length ? hits : null;
    }
    case 'lesion-refer-in-area': {
      const hits = p.lesions.flatMap((l, i) =>
        l.aiSuggestion === 'refer' && l.status === 'unresolved' && ctx.sites.some((s) => overlaps(ctx.kb, s, l.site))
          ? [withRef({ fact: f.fact, field: `lesions[${i}]`, detail: `lesion at ${l.site}: AI suggestion 'refer', not cleared` }, l.ref)]
          : [],
      );
      return hits.length ? hits : null;
    }
    case 'bdd-screen-positive':
      return p.bddScreen?.positive
        ? [withRef({ fact: f.fact, field: 'bddScreen', detail: `body-dysmorphic screen positive${p.bddScreen.score !== undefined ? ` (score ${p.bddScreen.score})` : ''}` }, p.bddScreen.ref)]
        : null;
    case 'oncology-treatment': {
      const hits = p.oncology.flatMap((o, i) => {
        if (!f.treatments.includes(o.treatment) || !activeWithin(o, ctx.asOf, f.withinMonths)) return [];
        // A treatment without a recorded site is assumed to be anywhere: the safe reading.
        if (f.inArea && o.site !== undefined && !ctx.sites.some((s) => overlaps(ctx.kb, s, o.site as string))) return [];
        const where = o.site ? ` at ${o.site}` : f.inArea ? ' (site not recorded)' : '';
        return [withRef({ fact: f.fact, field: `oncology[${i}]`, detail: `${o.treatment}${where}, ${span(o.start, o.end)}` }, o.ref)];
      });
      return hits.length ? hits : null;
    }
    case 'genetic-tendency': {
      const t = p.genetics?.tendencies[f.tendency];
      if (!t) return null;
      const ok = f.atLeast === 'elevated' ? t.level !== 'typical' : t.level === 'high';
      return ok ? [withRef({ fact: f.fact, field: `genetics.tendencies.${f.tendency}`, detail: `${f.tendency} ${t.level} (${t.because.join(', ')})` }, p.genetics?.ref)] : null;
    }
  }
}

/** Evaluates a rule; null when it does not hold, else the facts that made it hold. */
export function evaluateRule(rule: Rule, ctx: RuleContext): Trigger[] | null {
  if ('all' in rule) {
    const out: Trigger[] = [];
    for (const r of rule.all) {
      const t = evaluateRule(r, ctx);
      if (t === null) return null;
      out.push(...t);
    }
    return out;
  }
  if ('any' in rule) {
    const out: Trigger[] = [];
    let held = false;
    for (const r of rule.any) {
      const t = evaluateRule(r, ctx);
      if (t !== null) {
        held = true;
        out.push(...t);
      }
    }
    return held ? out : null;
  }
  if ('not' in rule) return evaluateRule(rule.not, ctx) === null ? [] : null;
  return evaluateFact(rule, ctx);
}
