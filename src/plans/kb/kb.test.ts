import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, type Intervention } from './schema.ts';
import { SHIPPED_SOURCE, shippedKnowledgeBase } from './shipped.ts';
import { KnowledgeBaseError, validateKnowledgeBase, type KnowledgeBaseSource } from './validate.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CONTENT = path.join(ROOT, 'content/plans');
const kb = shippedKnowledgeBase();

/** A deep copy of the shipped source with one intervention changed. */
function withBrokenIntervention(file: string, id: string, change: (entry: Record<string, unknown>) => void): KnowledgeBaseSource {
  const copy = structuredClone(SHIPPED_SOURCE) as KnowledgeBaseSource;
  const f = copy.interventions.find((x) => x.file === file);
  const entry = (f?.data as { interventions: Record<string, unknown>[] }).interventions.find((e) => e.id === id);
  if (!entry) throw new Error(`fixture: no ${id} in ${file}`);
  change(entry);
  return copy;
}

function refusal(src: KnowledgeBaseSource): KnowledgeBaseError {
  try {
    validateKnowledgeBase(src);
  } catch (e) {
    if (e instanceof KnowledgeBaseError) return e;
    throw e;
  }
  throw new Error('the broken knowledge base was accepted');
}

const byTag = (tag: Intervention['tags'][number]) => kb.interventions.filter((iv) => iv.tags.includes(tag));

describe('the shipped knowledge base', () => {
  it('validates and has a version', () => {
    expect(kb.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('lists every file in content/plans/ (none forgotten by the loader)', () => {
    const onDisk = [
      ...fs.readdirSync(CONTENT).filter((f) => f.endsWith('.json')),
      ...fs.readdirSync(path.join(CONTENT, 'interventions')).map((f) => `interventions/${f}`),
    ].sort();
    const loaded = [SHIPPED_SOURCE.manifest, SHIPPED_SOURCE.vocabulary, SHIPPED_SOURCE.concerns, SHIPPED_SOURCE.contraindications, SHIPPED_SOURCE.care, SHIPPED_SOURCE.regimen, SHIPPED_SOURCE.panel, ...SHIPPED_SOURCE.interventions]
      .map((s) => s.file)
      .sort();
    expect(loaded).toEqual(onDisk);
  });

  it('has at least 40 interventions covering every category', () => {
    expect(kb.interventions.length).toBeGreaterThanOrEqual(40);
    for (const c of CATEGORIES) expect(kb.interventions.filter((iv) => iv.category === c).length, c).toBeGreaterThan(0);
  });

  it('has the concern taxonomy the issue names, in English and Spanish', () => {
    const ids = kb.concerns.map((c) => c.id);
    for (const id of ['dynamic-lines', 'static-lines', 'volume-loss', 'laxity', 'photoaging', 'melasma', 'pigmentation', 'acne', 'acne-scars', 'rosacea-redness', 'texture-pores', 'hair-loss', 'under-eye', 'post-oncology-skin']) {
      expect(ids).toContain(id);
    }
    for (const c of kb.concerns) expect(c.names.es).not.toBe('');
  });

  it('covers the oncological aesthetics the issue names', () => {
    const ids = kb.interventions.filter((iv) => iv.category === 'oncological').map((iv) => iv.id);
    expect(ids).toEqual(expect.arrayContaining(['radiation-skin-care', 'silicone-scar-therapy', 'scalp-cooling', 'eyebrow-micropigmentation', 'areola-micropigmentation']));
  });

  it('gives every intervention names in both languages, a citation with a DOI or PMID, and an evidence level', () => {
    for (const iv of kb.interventions) {
      expect(iv.names.en, iv.id).not.toBe(iv.id);
      expect(iv.citations.length, iv.id).toBeGreaterThan(0);
      for (const c of iv.citations) expect(c.doi ?? c.pmid, iv.id).toBeTruthy();
    }
  });

  it('gives neuromodulators units by area and fillers volumes by area', () => {
    for (const iv of kb.interventions.filter((x) => x.category === 'neuromodulator')) expect(iv.dose?.every((d) => d.unit === 'U'), iv.id).toBe(true);
    for (const iv of kb.interventions.filter((x) => x.category === 'filler-ha')) expect(iv.dose?.every((d) => d.unit === 'mL'), iv.id).toBe(true);
  });

  // Drift tests: the rules hold for every entry of a kind, including ones added later.
  it('blocks every energy device, peel and microneedling over an unresolved "refer" lesion', () => {
    const needs = [...byTag('energy-device'), ...byTag('peel'), ...kb.interventions.filter((iv) => iv.category === 'microneedling')];
    for (const iv of needs) expect(iv.contraindications, iv.id).toContain('lesion-refer-in-area');
  });

  it('blocks every ablative and medium-depth procedure within 6 months of isotretinoin', () => {
    const needs = [...byTag('ablative'), ...byTag('medium-depth')];
    expect(needs.length).toBeGreaterThanOrEqual(4);
    for (const iv of needs) expect(iv.contraindications, iv.id).toContain('isotretinoin-6-months');
  });

  it('excludes every retinoid and neuromodulator in pregnancy', () => {
    for (const iv of [...byTag('retinoid'), ...kb.interventions.filter((x) => x.category === 'neuromodulator')]) expect(iv.contraindications, iv.id).toContain('pregnancy');
  });

  it('defers every elective procedure on a positive body-dysmorphic screen', () => {
    for (const iv of byTag('elective')) expect(iv.contraindications, iv.id).toContain('bdd-positive');
  });

  it('states the number of citations still to verify in the README', () => {
    const all = [
      ...kb.interventions.flatMap((iv) => iv.citations),
      ...[...kb.contraindications.values()].flatMap((c) => c.citations ?? []),
      ...kb.regimen.interactions.flatMap((i) => i.citations),
      ...kb.panel.variants.flatMap((v) => v.citations),
    ];
    const unique = new Map(all.map((c) => [c.doi ?? c.pmid, c]));
    const toVerify = [...unique.values()].filter((c) => c.verify).length;
    const readme = fs.readFileSync(path.join(CONTENT, 'README.md'), 'utf8');
    expect(readme).toContain(`${toVerify} of the ${unique.size} distinct citations`);
  });
});

describe('a knowledge-base entry that breaks the schema', () => {
  it('names the file, the entry and the field (citation without DOI or PMID)', () => {
    const e = refusal(withBrokenIntervention('interventions/peels.json', 'glycolic-peel', (x) => void (x.citations = [{ text: 'A paper somebody remembers vaguely.' }])));
    expect(e.file).toBe('interventions/peels.json');
    expect(e.entryId).toBe('glycolic-peel');
    expect(e.field).toBe('citations[0]');
    expect(e.message).toContain("interventions/peels.json entry 'glycolic-peel' field 'citations[0]'");
  });

  it('names a dose whose minimum exceeds its maximum', () => {
    const e = refusal(withBrokenIntervention('interventions/neuromodulators.json', 'botulinum-toxin-glabella', (x) => void ((x.dose as { min: number }[])[0]!.min = 90)));
    expect([e.file, e.entryId, e.field]).toEqual(['interventions/neuromodulators.json', 'botulinum-toxin-glabella', 'dose[0]']);
    expect(e.reason).toContain('min must not exceed max');
  });

  it('names a contraindication that does not exist', () => {
    const e = refusal(withBrokenIntervention('interventions/energy-devices.json', 'ipl-photorejuvenation', (x) => void (x.contraindications as string[]).push('full-moon')));
    const index = kb.interventionById.get('ipl-photorejuvenation')!.contraindications.length;
    expect([e.entryId, e.field]).toEqual(['ipl-photorejuvenation', `contraindications[${index}]`]);
    expect(e.reason).toContain("'full-moon' is not in contraindications.json");
  });

  it('names a missing Spanish name', () => {
    const e = refusal(withBrokenIntervention('interventions/topicals.json', 'adapalene', (x) => void ((x.names as { es?: string }).es = undefined)));
    expect([e.file, e.entryId, e.field]).toEqual(['interventions/topicals.json', 'adapalene', 'names.es']);
  });

  it('names a rule that uses a word outside the vocabulary', () => {
    const copy = structuredClone(SHIPPED_SOURCE) as KnowledgeBaseSource;
    const list = (copy.contraindications.data as { contraindications: { id: string; rule: unknown }[] }).contraindications;
    list.find((c) => c.id === 'anticoagulant')!.rule = { fact: 'medication', classes: ['warfarinish'], withinMonths: 0 };
    const e = refusal(copy);
    expect([e.file, e.entryId, e.field]).toEqual(['contraindications.json', 'anticoagulant', 'rule.classes[0]']);
  });

  it('refuses the same id twice', () => {
    const e = refusal(withBrokenIntervention('interventions/topicals.json', 'adapalene', (x) => void (x.id = 'tretinoin')));
    expect(e.entryId).toBe('tretinoin');
    expect(e.field).toBe('id');
  });
});
