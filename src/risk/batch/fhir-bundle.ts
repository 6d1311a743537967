/**
 * The FHIR Bundle input of the batch scorer: a Bundle (any type) of Patients with their
 * Observations (and, when present, Conditions, MedicationStatements, MedicationRequests)
 * becomes one batch row per Patient, through record-inputs.ts, so a Bundle is read by the
 * same rules as a patient's record in the clinic. Pure.
 *
 * Resources are tied to their Patient by subject reference: `Patient/<id>` or the Patient
 * entry's fullUrl (`urn:uuid:...`). Region comes from the Patient's address country (ISO
 * 3166-1 alpha-2) or, failing that, the caller's default country. Values whose recorded unit
 * the row format cannot carry are left out of the row, so the model that needs them says
 * what is missing instead of being fed a converted guess.
 */
import type { Bundle, Condition, MedicationRequest, MedicationStatement, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { MGDL_PER_MMOL } from '../inputs.ts';
import { assembleInputs, type AssembledInput } from '../record-inputs.ts';

/** The input is not a FHIR Bundle the scorer can read (the whole run stops). */
export class BundleInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleInputError';
  }
}

export interface BundleRowsOptions {
  /** The date inputs are assembled for (ages, freshness). */
  readonly asOf: Date;
  /** ISO 3166-1 alpha-2 used when a Patient has no address country. */
  readonly country?: string | undefined;
}

interface Group {
  patient: Patient;
  observations: Observation[];
  conditions: Condition[];
  medicationStatements: MedicationStatement[];
  medicationRequests: MedicationRequest[];
}

function num(i: AssembledInput | undefined, unit?: string): string {
  if (!i || typeof i.value !== 'number') return '';
  if (unit !== undefined && i.unit !== unit) return '';
  return String(i.value);
}

function bool(i: AssembledInput | undefined): string {
  return typeof i?.value === 'boolean' ? String(i.value) : '';
}

/** Cholesterol in the row's single unit: the total's unit; HDL converted to it when recorded in the other one. */
function cholesterol(tc: AssembledInput | undefined, hdl: AssembledInput | undefined): { total: string; hdl: string; unit: string } {
  const unit = tc?.unit ?? hdl?.unit ?? '';
  const inUnit = (i: AssembledInput | undefined): string => {
    if (!i || typeof i.value !== 'number') return '';
    if (i.unit === unit) return String(i.value);
    // An explicit, labelled conversion between the two accepted units (38.67 mg/dL per mmol/L).
    if (i.unit === 'mmol/L' && unit === 'mg/dL') return String(i.value * MGDL_PER_MMOL);
    if (i.unit === 'mg/dL' && unit === 'mmol/L') return String(i.value / MGDL_PER_MMOL);
    return '';
  };
  return { total: inUnit(tc), hdl: inUnit(hdl), unit };
}

/**
 * One batch row (column name to text, as in src/risk/README.md) per Patient in the Bundle,
 * in Bundle order. Throws BundleInputError when `bundle` is not a FHIR Bundle.
 */
export function bundleToRows(bundle: unknown, options: BundleRowsOptions): Record<string, string>[] {
  if (bundle === null || typeof bundle !== 'object' || (bundle as { resourceType?: unknown }).resourceType !== 'Bundle') {
    throw new BundleInputError('the input is not a FHIR Bundle (resourceType must be "Bundle")');
  }
  const entries = (bundle as Bundle).entry;
  if (entries !== undefined && !Array.isArray(entries)) throw new BundleInputError('Bundle.entry must be an array');
  const groups: Group[] = [];
  const byRef = new Map<string, Group>();
  for (const e of entries ?? []) {
    const r = e?.resource;
    if (r?.resourceType !== 'Patient') continue;
    const g: Group = { patient: r, observations: [], conditions: [], medicationStatements: [], medicationRequests: [] };
    groups.push(g);
    if (r.id) byRef.set(`Patient/${r.id}`, g);
    if (e.fullUrl) byRef.set(e.fullUrl, g);
  }
  (entries ?? []).forEach((e, index) => {
    let r = e?.resource as Resource | undefined;
    if (!r || r.resourceType === 'Patient') return;
    // Sources name a resource id; a Bundle entry may carry only its fullUrl.
    if (!r.id) r = { ...r, id: e.fullUrl?.replace(/^urn:uuid:/, '') ?? `entry-${index + 1}` };
    const ref = (r as { subject?: { reference?: string } }).subject?.reference;
    const g = ref ? byRef.get(ref) : undefined;
    if (!g) return;
    switch (r.resourceType) {
      case 'Observation':
        g.observations.push(r);
        break;
      case 'Condition':
        g.conditions.push(r);
        break;
      case 'MedicationStatement':
        g.medicationStatements.push(r);
        break;
      case 'MedicationRequest':
        g.medicationRequests.push(r);
        break;
      default:
        break;
    }
  });
  return groups.map((g, i) => {
    const addressCountry = g.patient.address?.find((a) => a.country && /^[A-Za-z]{2}$/.test(a.country.trim()))?.country;
    const a = assembleInputs(g, { asOf: options.asOf, country: addressCountry ?? options.country });
    const inp = a.inputs;
    const chol = cholesterol(inp.totalCholesterol, inp.hdlCholesterol);
    const ldl = a.ldlCholesterol && a.ldlCholesterol.unit === chol.unit ? String(a.ldlCholesterol.value) : '';
    return {
      id: g.patient.id ?? `patient-${i + 1}`,
      sex: typeof inp.sex?.value === 'string' ? inp.sex.value : '',
      age: num(inp.age),
      race: '',
      region: typeof inp.region?.value === 'string' ? inp.region.value : '',
      total_cholesterol: chol.total,
      hdl_cholesterol: chol.hdl,
      cholesterol_unit: chol.total || chol.hdl ? chol.unit : '',
      ldl_cholesterol: ldl,
      systolic_bp: num(inp.systolicBp, 'mmHg'),
      bp_treated: bool(inp.bpTreated),
      smoker: bool(inp.smoker),
      diabetes: bool(inp.diabetes),
      egfr: num(inp.egfr, 'mL/min/1.73m2'),
      bmi: num(inp.bmi, 'kg/m2'),
      statin: bool(inp.statin),
      hba1c_percent: num(inp.hba1c, '%'),
      uacr_mg_g: num(inp.uacr, 'mg/g'),
      sbp_sd: a.qrisk3.sbpStandardDeviation ? String(a.qrisk3.sbpStandardDeviation.value) : '',
      qrisk3_smoking: a.qrisk3.smoking ?? '',
      diabetes_type: a.qrisk3.diabetesType ?? '',
    };
  });
}
