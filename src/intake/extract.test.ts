/** Extraction to coded FHIR resources, traceable to their answers; re-submission reconciles instead of duplicating. */
import { describe, expect, it } from 'vitest';
import type { MedicationStatement, Observation, Resource } from '@medplum/fhirtypes';
import { validateFhirResource } from '../platform/fhir/validate.ts';
import { buildResponse, type Draft } from './build-response.ts';
import { INTAKE_KEY_SYSTEM, sourceLinkIdsOf } from './extract.ts';
import { processIntake } from './index.ts';
import { reconcileIntake } from './reconcile.ts';
import { answeredLinkIds, viewResponse } from './response-view.ts';
import { SHIPPED_INDEX } from './shipped-index.ts';
import { COMPLETE_WITH_FLAGS, FIXTURE_AS_OF, MINIMAL_HEALTHY } from '../../test/fixtures/intake/drafts.ts';

const patient = { reference: 'Patient/lucia' };
function run(draft: Draft, id = 'qr-1') {
  const o = processIntake(buildResponse(draft, SHIPPED_INDEX, { id }), { asOf: FIXTURE_AS_OF, lang: 'en', patient });
  if (!o.ok) throw new Error('invalid fixture');
  return o;
}
/** Pretend the store saved the created resources with ids. */
const stored = (resources: readonly Resource[]): Resource[] => resources.map((r, i) => ({ ...r, id: `id-${i}`, meta: { versionId: '1' } }) as Resource);

describe('extractResources', () => {
  const o = run(COMPLETE_WITH_FLAGS);
  const byType = (t: string) => o.extracted.filter((e) => e.resource.resourceType === t);

  it('gives every resource type the issue lists', () => {
    for (const t of ['Condition', 'MedicationStatement', 'AllergyIntolerance', 'FamilyMemberHistory', 'Observation', 'Procedure']) expect(byType(t).length, t).toBeGreaterThan(0);
  });

  it('every resource is valid R4, keyed, and points back to answered items of its response', () => {
    const answered = answeredLinkIds(viewResponse(buildResponse(COMPLETE_WITH_FLAGS, SHIPPED_INDEX), SHIPPED_INDEX));
    for (const e of o.extracted) {
      expect(() => validateFhirResource(structuredClone(e.resource)), e.key).not.toThrow();
      expect((e.resource as { identifier?: { system?: string; value?: string }[] }).identifier?.[0]).toEqual({ system: INTAKE_KEY_SYSTEM, value: e.key });
      const links = sourceLinkIdsOf(e.resource);
      expect(links.length, e.key).toBeGreaterThan(0);
      for (const l of links) expect(answered.has(l), `${e.key} ${l}`).toBe(true);
    }
    expect(() => validateFhirResource(structuredClone(o.bundle))).not.toThrow();
    expect(o.bundle.type).toBe('transaction');
  });

  it('codes smoking with LOINC 72166-2, blood pressure with its components, and Fitzpatrick with the score', () => {
    const obs = (key: string) => o.extracted.find((e) => e.key === key)?.resource as Observation;
    expect(obs('observation:smoking-status').code?.coding?.[0]?.code).toBe('72166-2');
    expect(obs('observation:smoking-status').valueCodeableConcept?.coding?.[0]).toMatchObject({ system: 'http://snomed.info/sct', code: '449868002' });
    expect(obs('observation:pack-years').valueQuantity?.value).toBe(18.8);
    const bp = obs('observation:blood-pressure:2026-11-01');
    expect(bp.component?.map((c) => [c.code.coding?.[0]?.code, c.valueQuantity?.value, c.valueQuantity?.code])).toEqual([
      ['8480-6', 148, 'mm[Hg]'],
      ['8462-4', 92, 'mm[Hg]'],
    ]);
    expect(obs('observation:fitzpatrick').valueCodeableConcept?.coding?.[0]?.code).toBe('fitzpatrick-III');
    expect(obs('observation:dcq').interpretation?.[0]?.coding?.[0]?.code).toBe('POS');
  });

  it('merges one fact reported twice and keeps free text as text', () => {
    // Isotretinoin is not in the medication list here, so it comes from the skin question only.
    const iso = o.extracted.find((e) => e.key.endsWith('rxnorm|6064'));
    expect(iso?.linkIds).toEqual(['skin.isotretinoin', 'skin.isotretinoin-ongoing', 'skin.isotretinoin-stop']);
    const hcq = o.extracted.find((e) => e.key === 'medication:text:hydroxychloroquine')?.resource as MedicationStatement;
    expect(hcq.medicationCodeableConcept).toEqual({ text: 'Hydroxychloroquine' });
  });

  it('is deterministic', () => {
    expect(run(COMPLETE_WITH_FLAGS).bundle).toEqual(o.bundle);
  });

  it('a healthy intake records the negatives that matter and no conditions', () => {
    const h = run(MINIMAL_HEALTHY);
    expect(h.extracted.filter((e) => e.resource.resourceType === 'Condition')).toEqual([]);
    expect(h.extracted.map((e) => e.key)).toContain('allergy:none');
  });
});

describe('reconcileIntake', () => {
  const first = run(COMPLETE_WITH_FLAGS, 'qr-1');
  const existing = stored(first.extracted.map((e) => e.resource));

  it('re-submitting the same answers changes nothing and creates nothing', () => {
    const again = run(COMPLETE_WITH_FLAGS, 'qr-2');
    const r = reconcileIntake(again.extracted, existing, 'QuestionnaireResponse/qr-2');
    expect(r.creates).toEqual([]);
    expect(r.updates).toEqual([]);
    expect(r.unchanged).toHaveLength(first.extracted.length);
    expect(r.bundle.entry).toEqual([]);
    expect(r.summary.en).toEqual(['Nothing changed since the previous intake.']);
  });

  it('a changed dose is an update (PUT with the existing id), a new medicine a create, a stopped one is reported, not deleted', () => {
    const meds = COMPLETE_WITH_FLAGS['med.list'] as Draft[];
    const changed: Draft = {
      ...COMPLETE_WITH_FLAGS,
      'med.list': [{ ...meds[0], 'med.list.dose': '2.5 mg twice a day' }, meds[1]!, meds[2]!, { 'med.list.name': '83367', 'med.list.dose': '20 mg' }],
    };
    const r = reconcileIntake(run(changed, 'qr-3').extracted, existing, 'QuestionnaireResponse/qr-3');
    expect(r.updates.map((u) => [u.key, u.changedFields])).toEqual([['medication:http://www.nlm.nih.gov/research/umls/rxnorm|1364430', ['dosage']]]);
    const apixaban = existing.find((e) => (e as { identifier?: { value?: string }[] }).identifier?.[0]?.value?.endsWith('|1364430'));
    expect(r.bundle.entry?.find((e) => e.request?.method === 'PUT')?.request?.url).toBe(`MedicationStatement/${apixaban?.id}`);
    expect(r.creates.map((c) => c.key)).toEqual(['medication:http://www.nlm.nih.gov/research/umls/rxnorm|83367']);
    expect(r.noLongerReported.map((x) => x.resourceType)).toEqual(['MedicationStatement']);
    expect(r.summary.en).toEqual([
      'Changed medicine: Apixaban (dose).',
      'New medicine: Atorvastatin.',
      'No longer reported medicine: Collagen supplement (kept in the record for the clinician to review).',
    ]);
    expect(r.summary.es[0]).toBe('Cambio en medicamento: Apixabán (dosis).');
    expect(() => validateFhirResource(structuredClone(r.bundle))).not.toThrow();
  });

  it('ignores resources that did not come from an intake', () => {
    const other: Resource = { resourceType: 'Condition', id: 'manual', subject: patient, code: { text: 'Entered by the clinician' } };
    const r = reconcileIntake(run(COMPLETE_WITH_FLAGS, 'qr-4').extracted, [...existing, other], 'x');
    expect(r.noLongerReported).toEqual([]);
  });
});
