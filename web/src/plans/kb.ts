/**
 * What the plan screens need from the shipped knowledge base: the concern taxonomy for the
 * goal pickers, body-site names, and, for "add an option", the interventions that treat a
 * concern with their dose ranges. The same JSON files the server validates (content/plans/),
 * imported through the pure loader, so the web and the engine cannot disagree on ids.
 */
import { shippedKnowledgeBase } from '../../../src/plans/kb/shipped.ts';
import type { Dose, KnowledgeBase, LocalText } from '../../../src/plans/kb/schema.ts';

export type { Dose, KnowledgeBase };

let cached: KnowledgeBase | undefined;

/** The shipped knowledge base, validated once on first use. */
export function planKb(): KnowledgeBase {
  cached ??= shippedKnowledgeBase();
  return cached;
}

/** Whether two body sites overlap (one contains the other); same rule as the engine's. */
export function sitesOverlap(kb: KnowledgeBase, a: string, b: string): boolean {
  return (kb.siteAncestors.get(a)?.includes(b) ?? false) || (kb.siteAncestors.get(b)?.includes(a) ?? false);
}

/** A body site's name; the id itself when unknown. */
export function siteName(kb: KnowledgeBase, id: string): LocalText {
  const s = kb.vocabulary.bodySites.find((b) => b.id === id);
  return s ? s.names : { en: id, es: id };
}

/** A concern's name; the id itself when unknown. */
export function concernName(kb: KnowledgeBase, id: string): LocalText {
  return kb.concernById.get(id)?.names ?? { en: id, es: id };
}

/** The areas a concern can be treated at (for the area picker), in the knowledge base's order. */
export function concernAreas(kb: KnowledgeBase, concernId: string): string[] {
  return [...(kb.concernById.get(concernId)?.areas ?? [])];
}

export interface AddCandidate {
  interventionId: string;
  name: LocalText;
  role: 'primary' | 'adjunct';
  /** Whether it is used at an area overlapping the goal's. */
  atArea: boolean;
  dose: Dose[];
}

/**
 * Interventions a clinician may add to a goal: they treat the goal's concern, the plan did
 * not exclude them for that goal, and they are not already among its options. The engine
 * weighs every intervention for the goal's own area, so most candidates are options the
 * clinician removed, or ones used at a neighbouring area (listed after those that overlap).
 */
export function addCandidates(
  kb: KnowledgeBase,
  goal: { concern: string; area: string; excluded: readonly { interventionId: string }[] },
  present: readonly string[],
): AddCandidate[] {
  const excluded = new Set(goal.excluded.map((e) => e.interventionId));
  const have = new Set(present);
  const out: AddCandidate[] = [];
  for (const iv of kb.interventions) {
    const c = iv.concerns.find((x) => x.id === goal.concern);
    if (!c || excluded.has(iv.id) || have.has(iv.id)) continue;
    const atArea = iv.areas.some((a) => sitesOverlap(kb, a, goal.area));
    const dose = iv.dose ?? [];
    out.push({ interventionId: iv.id, name: iv.names, role: c.role, atArea, dose: atArea ? dose.filter((d) => sitesOverlap(kb, d.area, goal.area)) : dose });
  }
  const rank = (c: AddCandidate) => (c.atArea ? 0 : 2) + (c.role === 'primary' ? 0 : 1);
  return out.sort((a, b) => rank(a) - rank(b) || a.name.en.localeCompare(b.name.en));
}
