/** The shipped Questionnaire's index, built once. */
import { indexQuestionnaire } from './questionnaire-index.ts';
import { SHIPPED_QUESTIONNAIRE } from './shipped.ts';

export const SHIPPED_INDEX = indexQuestionnaire(SHIPPED_QUESTIONNAIRE);
