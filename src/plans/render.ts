/**
 * A plan as plain text, in English or Spanish, for the CLI and for printing. Every option
 * keeps its evidence and cautions, every exclusion its rule and triggering record entry.
 */
import type { LocalText } from './kb/schema.ts';
import type { Plan, RuleHit } from './generate.ts';

export type Lang = 'en' | 'es';

const L = {
  en: {
    title: 'Treatment and skincare plan',
    kb: 'knowledge base',
    date: 'date',
    goal: 'Goal',
    options: 'Options (best first)',
    none: 'none',
    evidence: 'evidence level',
    dose: 'dose',
    sessions: 'sessions',
    every: 'every',
    weeks: 'weeks',
    downtime: 'downtime',
    days: 'days',
    caution: 'caution',
    excluded: 'Excluded',
    record: 'record',
    regimen: 'Skincare regimen',
    am: 'Morning',
    pm: 'Evening',
    checks: 'Interaction checks',
    calendar: 'Calendar',
    wellAging: 'Well-aging',
    sun: 'Sun protection',
    skinCheck: 'Skin checks',
    barrier: 'Barrier care',
    genetics: 'Where genetics shaped this plan',
    warnings: 'Warnings',
    more: 'more',
    session: 'session',
    engine: 'engine',
    per: { total: 'total', 'per-side': 'per side', 'per-session': 'per session', concentration: 'concentration' },
    freq: { daily: 'daily', 'alternate-nights': 'alternate nights', 'start-every-third-night': 'start every third night' },
    res: { 'moved-to-other-slot': 'moved to the other time of day', 'already-separate': 'already at different times of day', 'alternate-nights': 'alternate nights', watch: 'watch for irritation', 'no-interaction': 'no interaction' },
  },
  es: {
    title: 'Plan de tratamiento y cuidado de la piel',
    kb: 'base de conocimiento',
    date: 'fecha',
    goal: 'Objetivo',
    options: 'Opciones (mejor primero)',
    none: 'ninguna',
    evidence: 'nivel de evidencia',
    dose: 'dosis',
    sessions: 'sesiones',
    every: 'cada',
    weeks: 'semanas',
    downtime: 'baja social',
    days: 'días',
    caution: 'precaución',
    excluded: 'Excluidas',
    record: 'registro',
    regimen: 'Rutina de cuidado de la piel',
    am: 'Mañana',
    pm: 'Noche',
    checks: 'Comprobación de interacciones',
    calendar: 'Calendario',
    wellAging: 'Envejecimiento saludable',
    sun: 'Fotoprotección',
    skinCheck: 'Revisiones de la piel',
    barrier: 'Cuidado de la barrera',
    genetics: 'Dónde influyó la genética en este plan',
    warnings: 'Avisos',
    more: 'más',
    session: 'sesión',
    engine: 'motor',
    per: { total: 'total', 'per-side': 'por lado', 'per-session': 'por sesión', concentration: 'concentración' },
    freq: { daily: 'a diario', 'alternate-nights': 'noches alternas', 'start-every-third-night': 'empezar cada tres noches' },
    res: { 'moved-to-other-slot': 'pasado al otro momento del día', 'already-separate': 'ya en momentos distintos del día', 'alternate-nights': 'noches alternas', watch: 'vigilar irritación', 'no-interaction': 'sin interacción' },
  },
} as const;

/** Options shown per goal in text (the JSON has them all). */
export const TEXT_OPTIONS_PER_GOAL = 5;

function hitLine(h: RuleHit, lang: Lang): string {
  const why = h.triggers.map((t) => `${t.detail}${t.ref ? ` [${L[lang].record}: ${t.ref}]` : ''}`).join('; ');
  return `${h.reason[lang]}${why ? ` <- ${why}` : ''}`;
}

/** Renders the plan in one language. */
export function renderPlanText(plan: Plan, lang: Lang): string {
  const l = L[lang];
  const t = (x: LocalText) => x[lang];
  const out: string[] = [];
  out.push(`${l.title}${plan.patient ? ` - ${plan.patient}` : ''}`);
  out.push(`${l.date} ${plan.asOf} | ${l.kb} ${plan.kbVersion} | ${l.engine} ${plan.engineVersion} | ${plan.inputHash.slice(0, 12)}`);
  for (const g of plan.goals) {
    out.push('', `${l.goal} ${g.rank}: ${t(g.concernName)} (${t(g.areaName)})`, `  ${l.options}:`);
    if (g.options.length === 0) out.push(`    ${l.none}`);
    g.options.slice(0, TEXT_OPTIONS_PER_GOAL).forEach((o, i) => {
      out.push(`    ${i + 1}. ${t(o.name)} - ${l.evidence} ${o.evidence.level}; ${l.sessions} ${o.sessions.min === o.sessions.max ? o.sessions.min : `${o.sessions.min}-${o.sessions.max}`}${o.sessions.intervalWeeks ? `, ${l.every} ${o.sessions.intervalWeeks.min}-${o.sessions.intervalWeeks.max} ${l.weeks}` : ''}; ${l.downtime} ${o.downtimeDays.min}-${o.downtimeDays.max} ${l.days}`);
      for (const d of o.dose) out.push(`       ${l.dose} ${d.area}: ${d.min}-${d.max} ${d.unit} (${l.per[d.per]})${d.note ? ` - ${t(d.note)}` : ''}`);
      for (const r of o.rationale.slice(0, 2)) out.push(`       ${t(r)}`);
      for (const c of o.cautions) out.push(`       ${l.caution}: ${hitLine(c, lang)}`);
      out.push(`       ${o.evidence.citations.map((c) => (c.doi ? `doi:${c.doi}` : `PMID ${c.pmid}`)).join(', ')}`);
    });
    if (g.options.length > TEXT_OPTIONS_PER_GOAL) out.push(`    (+${g.options.length - TEXT_OPTIONS_PER_GOAL} ${l.more})`);
    if (g.excluded.length) {
      out.push(`  ${l.excluded}:`);
      for (const x of g.excluded) {
        out.push(`    - ${t(x.name)}:`);
        for (const h of x.because) out.push(`        [${h.ruleId}] ${hitLine(h, lang)}`);
      }
    }
  }
  out.push('', `${l.regimen}:`);
  for (const [slot, steps] of [[l.am, plan.regimen.am], [l.pm, plan.regimen.pm]] as const) {
    out.push(`  ${slot}:`);
    steps.forEach((s, i) => out.push(`    ${i + 1}. ${t(s.name)}${s.frequency !== 'daily' ? ` (${l.freq[s.frequency]})` : ''}${s.notes.length ? ` - ${s.notes.map(t).join(' ')}` : ''}`));
  }
  if (plan.regimen.checks.length) {
    out.push(`  ${l.checks}:`);
    for (const c of plan.regimen.checks) out.push(`    - ${c.actives.join(' + ')}: ${l.res[c.resolution]}. ${t(c.note)}`);
  }
  out.push('', `${l.calendar}:`);
  for (const e of plan.calendar) out.push(`  ${e.date}  ${t(e.label)}${e.session ? ` (${l.session} ${e.session.n}/${e.session.of})` : ''}`);
  if (plan.wellAging.length) {
    out.push('', `${l.wellAging}:`);
    for (const w of plan.wellAging) out.push(`  - ${t(w.name)}: ${t(w.rationale)}`);
  }
  out.push('', `${l.sun}: ${t(plan.sunProtection.advice)}`, `${l.skinCheck}: ${t(plan.skinCheck.advice)}`);
  if (plan.barrierCare) out.push(`${l.barrier}: ${t(plan.barrierCare.advice)}`);
  if (plan.genetics.influences.length) {
    out.push('', `${l.genetics}:`);
    for (const g of plan.genetics.influences) out.push(`  - ${g.tendency} ${g.level} (${g.variants.join(', ')}): ${t(g.effect)}`);
  }
  if (plan.warnings.length) {
    out.push('', `${l.warnings}:`);
    for (const w of plan.warnings) out.push(`  - ${t(w)}`);
  }
  return `${out.join('\n')}\n`;
}
