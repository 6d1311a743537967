/**
 * The shipped intake Questionnaire (content/intake/), loaded once at import. The JSON is the
 * content the clinic ships; questionnaire-source.ts is where it is authored.
 */
import type { Questionnaire } from '@medplum/fhirtypes';
import shipped from '../../content/intake/aesthetic-intake.questionnaire.json' with { type: 'json' };

/** The shipped Questionnaire resource, as in content/intake/aesthetic-intake.questionnaire.json. */
export const SHIPPED_QUESTIONNAIRE = shipped as unknown as Questionnaire;
