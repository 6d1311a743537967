/**
 * Canonical URLs of the code systems WellAge codes against (FHIR R4 "Using codes in
 * resources", terminologies page). One definition, imported wherever a Coding is built or
 * matched. Pure constants: safe for engines and the web build.
 */
export const LOINC_SYSTEM = 'http://loinc.org';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';
export const RXNORM_SYSTEM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';
