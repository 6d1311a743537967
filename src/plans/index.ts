/**
 * The plans capability's engines (pure) and the shipped knowledge base. Services and
 * interfaces import from here.
 */
export { generatePlan, ENGINE_VERSION } from './generate.ts';
export type { Plan, PlanOption, ExcludedOption, GoalPlan, RuleHit, WellAgingItem, GeneticsInfluence, Because, PlanOptions } from './generate.ts';
export { validateProfile, profileSchema, MAX_PREGNANCY_AGE } from './profile.ts';
export type { PlanProfile, PlanProfileInput, ResolvedGoal } from './profile.ts';
export { evaluateRule, monthsBefore } from './rules.ts';
export type { Trigger } from './rules.ts';
export { buildRegimen } from './regimen.ts';
export type { Regimen, RegimenStep, InteractionCheck } from './regimen.ts';
export { buildCalendar } from './calendar.ts';
export type { CalendarEntry } from './calendar.ts';
export { renderPlanText } from './render.ts';
export type { Lang } from './render.ts';
export { genotypePanel, summariseTendencies, PANEL_CAVEAT } from './genotype/panel.ts';
export type { GeneticsPanel, PanelVariantResult } from './genotype/panel.ts';
export { parseGenotype } from './genotype/parse.ts';
export type { ParsedGenotype, GenotypeFormat, GenomeBuild } from './genotype/parse.ts';
export { shippedKnowledgeBase, SHIPPED_SOURCE } from './kb/shipped.ts';
export { validateKnowledgeBase, KnowledgeBaseError } from './kb/validate.ts';
export type { KnowledgeBaseSource, SourceFile } from './kb/validate.ts';
export type { KnowledgeBase, Intervention, Concern, Contraindication, Rule, Fact, LocalText } from './kb/schema.ts';
export { syntheticProfiles, syntheticProfile } from './synthetic.ts';
