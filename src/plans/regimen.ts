/**
 * The AM/PM skincare regimen: the knowledge base's baseline (cleanser, moisturiser,
 * sunscreen) plus the chosen topicals, placed by slot, then every pair of actives checked
 * against the interaction table (content/plans/regimen.json). A conflict is resolved by
 * moving a flexible product to the other slot or by alternating nights, and the check,
 * its source and what was done are all reported, including pairs that are NOT interactions
 * (vitamin C with niacinamide), so a clinician sees the myth addressed rather than ignored.
 */
import type { Interaction, Intervention, KnowledgeBase, LocalText } from './kb/schema.ts';

export type Slot = 'am' | 'pm';
export type Frequency = 'daily' | 'alternate-nights' | 'start-every-third-night';

export interface RegimenStep {
  readonly slot: Slot;
  readonly interventionId: string;
  readonly name: LocalText;
  readonly actives: readonly string[];
  readonly step: 'cleanse' | 'treat' | 'moisturize' | 'protect';
  frequency: Frequency;
  readonly notes: LocalText[];
}

export interface InteractionCheck {
  readonly interactionId: string;
  readonly actives: readonly [string, string];
  readonly products: readonly [string, string];
  readonly effect: Interaction['effect'];
  readonly note: LocalText;
  readonly citations: Interaction['citations'];
  /** What the regimen does about it. */
  readonly resolution: 'moved-to-other-slot' | 'already-separate' | 'alternate-nights' | 'watch' | 'no-interaction';
}

export interface Regimen {
  readonly am: readonly RegimenStep[];
  readonly pm: readonly RegimenStep[];
  readonly checks: readonly InteractionCheck[];
}

export interface RegimenOptions {
  /** Start irritant actives every third night (weak barrier, sensitive skin). */
  readonly slowStart: boolean;
  /** Why slowStart is set, shown on the steps it changes. */
  readonly slowStartReason?: LocalText;
}

const STEP_ORDER = { cleanse: 0, treat: 1, moisturize: 2, protect: 3 } as const;

function findInteraction(kb: KnowledgeBase, a: string, b: string): Interaction | undefined {
  return kb.regimen.interactions.find((i) => (i.actives[0] === a && i.actives[1] === b) || (i.actives[0] === b && i.actives[1] === a));
}

/**
 * Builds the regimen from topical interventions in priority order (first = most wanted).
 * Non-topicals are ignored; a second product with an active already present is skipped.
 */
export function buildRegimen(kb: KnowledgeBase, chosen: readonly Intervention[], options: RegimenOptions): Regimen {
  const steps: RegimenStep[] = [];
  const activesPresent = new Set<string>();
  const add = (iv: Intervention, slot: Slot): RegimenStep => {
    const s: RegimenStep = { slot, interventionId: iv.id, name: iv.names, actives: iv.regimen?.actives ?? [], step: iv.regimen?.step ?? 'treat', frequency: 'daily', notes: [] };
    steps.push(s);
    return s;
  };
  for (const slot of ['am', 'pm'] as const) {
    for (const id of kb.regimen.baseline[slot]) {
      const iv = kb.interventionById.get(id);
      if (iv) add(iv, slot);
    }
  }
  for (const iv of kb.regimen.baseline.am.concat(kb.regimen.baseline.pm)) kb.interventionById.get(iv)?.regimen?.actives.forEach((a) => activesPresent.add(a));

  const flexible = new Set<string>();
  for (const iv of chosen) {
    if (iv.category !== 'topical' || !iv.regimen) continue;
    if (iv.regimen.actives.some((a) => activesPresent.has(a))) continue;
    iv.regimen.actives.forEach((a) => activesPresent.add(a));
    const slot = iv.regimen.slot;
    if (slot === 'am-and-pm') {
      add(iv, 'am');
      add(iv, 'pm');
    } else if (slot === 'am-or-pm') {
      flexible.add(iv.id);
      // Put it where it clashes with nothing already placed; the morning by default.
      const clashes = (s: Slot) => steps.some((st) => st.slot === s && st.actives.some((a) => iv.regimen!.actives.some((b) => { const x = findInteraction(kb, a, b); return x !== undefined && x.effect !== 'none' && x.effect !== 'caution'; })));
      add(iv, clashes('am') && !clashes('pm') ? 'pm' : 'am');
    } else {
      add(iv, slot);
    }
    if (options.slowStart && iv.tags.includes('irritant')) {
      for (const st of steps) {
        if (st.interventionId === iv.id) {
          st.frequency = 'start-every-third-night';
          if (options.slowStartReason) st.notes.push(options.slowStartReason);
        }
      }
    }
  }

  // Check every pair of products once (by intervention, not by slot), in a stable order.
  const products = [...new Map(steps.map((s) => [s.interventionId, s])).values()];
  const checks: InteractionCheck[] = [];
  for (let i = 0; i < products.length; i++) {
    for (let j = i + 1; j < products.length; j++) {
      const p = products[i] as RegimenStep;
      const q = products[j] as RegimenStep;
      for (const a of p.actives) {
        for (const b of q.actives) {
          const it = findInteraction(kb, a, b);
          if (!it) continue;
          const slotsOf = (id: string) => new Set(steps.filter((s) => s.interventionId === id).map((s) => s.slot));
          const shared = [...slotsOf(p.interventionId)].filter((s) => slotsOf(q.interventionId).has(s));
          let resolution: InteractionCheck['resolution'];
          if (it.effect === 'none') resolution = 'no-interaction';
          else if (it.effect === 'caution') resolution = 'watch';
          else if (shared.length === 0) resolution = 'already-separate';
          else if (it.effect === 'separate' && (flexible.has(q.interventionId) || flexible.has(p.interventionId))) {
            const mover = flexible.has(q.interventionId) ? q : p;
            const step = steps.find((s) => s.interventionId === mover.interventionId) as RegimenStep;
            (step as { slot: Slot }).slot = step.slot === 'am' ? 'pm' : 'am';
            resolution = 'moved-to-other-slot';
          } else {
            // Same evening and neither can move: the later (lower-priority) product alternates.
            for (const s of steps) if (s.interventionId === q.interventionId) s.frequency = 'alternate-nights';
            q.notes.push({ en: `Alternate nights with ${p.name.en}.`, es: `Alternar noches con ${p.name.es}.` });
            resolution = 'alternate-nights';
          }
          checks.push({ interactionId: it.id, actives: [a, b], products: [p.interventionId, q.interventionId], effect: it.effect, note: it.note, citations: it.citations, resolution });
        }
      }
    }
  }

  const order = (list: RegimenStep[]) => list.sort((x, y) => STEP_ORDER[x.step] - STEP_ORDER[y.step] || x.interventionId.localeCompare(y.interventionId));
  return { am: order(steps.filter((s) => s.slot === 'am')), pm: order(steps.filter((s) => s.slot === 'pm')), checks };
}
