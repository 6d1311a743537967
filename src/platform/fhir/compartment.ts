/**
 * Which Patient compartment a resource belongs to, from the R4 Patient
 * CompartmentDefinition (http://hl7.org/fhir/R4/compartmentdefinition-patient.html):
 * the first parameter listed for its type (subject, patient, performer...) that points
 * at a Patient. Run after urn:uuid and conditional references are resolved.
 */
import { evalFhirPathTyped, toTypedValue } from '@medplum/core';
import type { Reference, Resource } from '@medplum/fhirtypes';
import { compartmentParamsFor, searchParamsFor } from './definitions.ts';
import { parseReference } from './references.ts';

/** The id of the Patient whose compartment holds `resource`, or null. */
export function patientCompartment(resource: Resource): string | null {
  if (resource.resourceType === 'Patient') return resource.id ?? null;
  const params = searchParamsFor(resource.resourceType);
  for (const code of compartmentParamsFor(resource.resourceType)) {
    const def = params.get(code);
    if (!def) continue;
    for (const tv of evalFhirPathTyped(def.atom, [toTypedValue(resource)])) {
      const ref = (tv.value as Reference | undefined)?.reference;
      if (typeof ref !== 'string') continue;
      const parsed = parseReference(ref);
      if (parsed.kind === 'literal' && parsed.type === 'Patient') return parsed.id;
    }
  }
  // Types outside the definition that still point at one Patient (Device.patient, for
  // example) are kept with that Patient so access rules and $everything cover them.
  if (compartmentParamsFor(resource.resourceType).length === 0) {
    for (const code of ['patient', 'subject']) {
      const def = params.get(code);
      if (!def) continue;
      for (const tv of evalFhirPathTyped(def.atom, [toTypedValue(resource)])) {
        const ref = (tv.value as Reference | undefined)?.reference;
        const parsed = typeof ref === 'string' ? parseReference(ref) : undefined;
        if (parsed?.kind === 'literal' && parsed.type === 'Patient') return parsed.id;
      }
    }
  }
  return null;
}
