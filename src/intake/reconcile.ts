/**
 * Re-submitting an intake must not duplicate the record. Given what a new intake extracts
 * and the patient's resources that came from earlier intakes (identified by their intake
 * key), this computes what to create, what to update (PUT with the existing id) and what is
 * unchanged, plus what earlier intakes recorded and this one no longer reports. The last are
 * never deleted: the clinician decides. A human summary in English and Spanish says what
 * changed. Pure.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { fullUrlFor, intakeKeyOf, type Extracted } from './extract.ts';
import type { Text } from './questionnaire-index.ts';

/** Fields that differ on every submission without the fact changing. */
const VOLATILE = new Set(['id', 'meta', 'text', 'extension', 'recordedDate', 'dateAsserted', 'effectiveDateTime', 'date', 'derivedFrom', 'issued']);

const FIELD_NAMES: Record<string, Text> = {
  clinicalStatus: { en: 'status', es: 'estado' },
  verificationStatus: { en: 'verification', es: 'verificación' },
  code: { en: 'code', es: 'código' },
  note: { en: 'note', es: 'nota' },
  onsetDateTime: { en: 'onset date', es: 'fecha de inicio' },
  status: { en: 'status', es: 'estado' },
  dosage: { en: 'dose', es: 'dosis' },
  reasonCode: { en: 'reason', es: 'motivo' },
  effectivePeriod: { en: 'dates', es: 'fechas' },
  reaction: { en: 'reaction', es: 'reacción' },
  condition: { en: 'conditions', es: 'enfermedades' },
  valueCodeableConcept: { en: 'value', es: 'valor' },
  valueQuantity: { en: 'value', es: 'valor' },
  valueInteger: { en: 'value', es: 'valor' },
  valueBoolean: { en: 'value', es: 'valor' },
  valueString: { en: 'value', es: 'valor' },
  component: { en: 'details', es: 'detalles' },
  interpretation: { en: 'interpretation', es: 'interpretación' },
  performedPeriod: { en: 'dates', es: 'fechas' },
  performedDateTime: { en: 'date', es: 'fecha' },
  complication: { en: 'complications', es: 'complicaciones' },
  outcome: { en: 'outcome', es: 'resultado' },
  bodySite: { en: 'area', es: 'zona' },
  usedCode: { en: 'product', es: 'producto' },
};

export interface ReconcileUpdate {
  readonly key: string;
  readonly resource: Resource;
  /** Top-level fields whose content changed. */
  readonly changedFields: readonly string[];
  readonly label: Text;
}

export interface ReconcileResult {
  readonly creates: readonly Extracted[];
  readonly updates: readonly ReconcileUpdate[];
  readonly unchanged: readonly Extracted[];
  /** Resources from earlier intakes that this intake does not report; left in place. */
  readonly noLongerReported: readonly Resource[];
  /** Transaction: POST for creates, PUT Type/id for updates; nothing when all is unchanged. */
  readonly bundle: Bundle;
  /** One line per change, in English and Spanish. */
  readonly summary: { readonly en: readonly string[]; readonly es: readonly string[] };
}

/** Stable JSON: object keys sorted, so field order does not count as a change. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Top-level fields whose clinical content differs between two resources. */
export function changedFields(before: Resource, after: Resource): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((k) => !VOLATILE.has(k))
    .filter((k) => canonical((before as unknown as Record<string, unknown>)[k]) !== canonical((after as unknown as Record<string, unknown>)[k]))
    .sort();
}

const TYPE_NAMES: Record<string, Text> = {
  Condition: { en: 'condition', es: 'enfermedad' },
  MedicationStatement: { en: 'medicine', es: 'medicamento' },
  AllergyIntolerance: { en: 'allergy', es: 'alergia' },
  FamilyMemberHistory: { en: 'family history', es: 'antecedente familiar' },
  Observation: { en: 'observation', es: 'observación' },
  Procedure: { en: 'procedure', es: 'procedimiento' },
};
const typeName = (r: Resource): Text => TYPE_NAMES[r.resourceType] ?? { en: r.resourceType, es: r.resourceType };

/** A readable name for a stored resource: its code's text or first display. */
function storedLabel(r: Resource): string {
  const x = r as { code?: { text?: string; coding?: { display?: string; code?: string }[] }; medicationCodeableConcept?: { text?: string; coding?: { display?: string }[] }; relationship?: { text?: string; coding?: { display?: string }[] } };
  const concept = x.code ?? x.medicationCodeableConcept ?? x.relationship;
  return concept?.text ?? concept?.coding?.[0]?.display ?? intakeKeyOf(r) ?? r.resourceType;
}

/**
 * Compares a new extraction with the patient's existing intake-derived resources.
 * `existing` may contain anything; only resources with an intake key take part.
 */
export function reconcileIntake(extracted: readonly Extracted[], existing: readonly Resource[], seed: string): ReconcileResult {
  const byKey = new Map<string, Resource>();
  for (const r of existing) {
    const key = intakeKeyOf(r);
    if (key && r.id) byKey.set(`${r.resourceType}:${key}`, r);
  }
  const creates: Extracted[] = [];
  const updates: ReconcileUpdate[] = [];
  const unchanged: Extracted[] = [];
  const seen = new Set<string>();
  const en: string[] = [];
  const es: string[] = [];

  for (const e of extracted) {
    const id = `${e.resource.resourceType}:${e.key}`;
    seen.add(id);
    const before = byKey.get(id);
    const t = typeName(e.resource);
    if (!before) {
      creates.push(e);
      en.push(`New ${t.en}: ${e.label.en}.`);
      es.push(`Nuevo/a ${t.es}: ${e.label.es}.`);
      continue;
    }
    const fields = changedFields(before, e.resource);
    if (fields.length === 0) {
      unchanged.push(e);
      continue;
    }
    updates.push({ key: e.key, resource: { ...e.resource, id: before.id } as Resource, changedFields: fields, label: e.label });
    const names = (lang: 'en' | 'es') => [...new Set(fields.map((f) => FIELD_NAMES[f]?.[lang] ?? f))].join(', ');
    en.push(`Changed ${t.en}: ${e.label.en} (${names('en')}).`);
    es.push(`Cambio en ${t.es}: ${e.label.es} (${names('es')}).`);
  }
  const noLongerReported = [...byKey.entries()].filter(([id]) => !seen.has(id)).map(([, r]) => r);
  for (const r of noLongerReported) {
    const t = typeName(r);
    en.push(`No longer reported ${t.en}: ${storedLabel(r)} (kept in the record for the clinician to review).`);
    es.push(`Ya no se refiere ${t.es}: ${storedLabel(r)} (se mantiene en la historia para que lo revise el clínico).`);
  }
  if (en.length === 0) {
    en.push('Nothing changed since the previous intake.');
    es.push('Nada ha cambiado desde el cuestionario anterior.');
  }

  const entry: BundleEntry[] = [
    ...creates.map((e): BundleEntry => ({ fullUrl: fullUrlFor(seed, e.key), resource: e.resource, request: { method: 'POST', url: e.resource.resourceType } })),
    ...updates.map((u): BundleEntry => ({ resource: u.resource, request: { method: 'PUT', url: `${u.resource.resourceType}/${u.resource.id}` } })),
  ];
  return { creates, updates, unchanged, noLongerReported, bundle: { resourceType: 'Bundle', type: 'transaction', entry }, summary: { en, es } };
}
