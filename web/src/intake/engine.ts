/**
 * The intake engines the portal shares with the server: the questionnaire index, the
 * response view and the enableWhen evaluator are pure TypeScript, so the web build imports
 * them as they are (one rule for skip logic, never two that drift apart).
 */
export { indexQuestionnaire, type IndexedItem, type IndexedOption, type QuestionnaireIndex, type Lang } from '../../../src/intake/questionnaire-index.ts';
export { createEnableWhenEvaluator, type EnableWhenEvaluator } from '../../../src/intake/enable-when.ts';
export { viewResponse, instancesOf, type Scope, type ResponseView } from '../../../src/intake/response-view.ts';
