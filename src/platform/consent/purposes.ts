/**
 * The purposes a patient consents to, each a separate FHIR Consent. Later capabilities
 * name the purpose they need; `requireConsent` refuses with CONSENT_MISSING otherwise.
 *
 * Coding: Consent.category carries a Coding in WellAge's own code system (FHIR R4 has no
 * code system for these purposes; LOINC 59284-0 "Patient Consent" is added as the
 * conventional general category), Consent.scope is `patient-privacy`.
 */
export const CONSENT_PURPOSE_SYSTEM = 'https://wellage.dev/fhir/CodeSystem/consent-purpose';

export const CONSENT_PURPOSES = ['care', 'ai-analysis', 'genetics', 'monitoring', 'education-use', 'research'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

export const CONSENT_PURPOSE_DISPLAY: Record<ConsentPurpose, { en: string; es: string }> = {
  care: { en: 'Clinical care', es: 'Atención clínica' },
  'ai-analysis': { en: 'AI-assisted analysis', es: 'Análisis asistido por IA' },
  genetics: { en: 'Genetic data', es: 'Datos genéticos' },
  monitoring: { en: 'Remote monitoring', es: 'Monitorización remota' },
  'education-use': { en: 'Use of de-identified cases for education', es: 'Uso de casos anonimizados en docencia' },
  research: { en: 'Research', es: 'Investigación' },
};

export function isConsentPurpose(v: string): v is ConsentPurpose {
  return (CONSENT_PURPOSES as readonly string[]).includes(v);
}
