/**
 * The shipped Questionnaire: generated from questionnaire-source.ts (drift test), valid R4,
 * and coherent (every enableWhen points at an earlier item of a fitting type, every text has
 * its Spanish translation).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { QuestionnaireItem } from '@medplum/fhirtypes';
import { validateFhirResource } from '../platform/fhir/validate.ts';
import { buildAestheticIntakeQuestionnaire, EXT_TRANSLATION } from './questionnaire-source.ts';
import { SHIPPED_QUESTIONNAIRE } from './shipped.ts';

const FILE = path.resolve(import.meta.dirname, '../../content/intake/aesthetic-intake.questionnaire.json');

function flatten(items: QuestionnaireItem[] | undefined): QuestionnaireItem[] {
  return (items ?? []).flatMap((i) => [i, ...flatten(i.item)]);
}

describe('the shipped intake Questionnaire', () => {
  const built = buildAestheticIntakeQuestionnaire();

  it('is the committed JSON, byte for byte (regenerate with WELLAGE_WRITE_CONTENT=1)', () => {
    const text = `${JSON.stringify(built, null, 2)}\n`;
    if (process.env.WELLAGE_WRITE_CONTENT === '1') fs.writeFileSync(FILE, text);
    expect(fs.readFileSync(FILE, 'utf8')).toBe(text);
    expect(SHIPPED_QUESTIONNAIRE).toEqual(built);
  });

  it('passes R4 validation', () => {
    expect(() => validateFhirResource(structuredClone(built))).not.toThrow();
  });

  it('the validator does catch a broken questionnaire (the check can fail)', () => {
    const broken = structuredClone(built) as unknown as { item: { type: string }[] };
    broken.item[0]!.type = 'checkbox';
    expect(() => validateFhirResource(broken)).toThrow(/type/);
  });

  const all = flatten(built.item);

  it('has unique linkIds and every section the issue lists', () => {
    const ids = all.map((i) => i.linkId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(built.item?.map((i) => i.linkId)).toEqual(['about', 'reason', 'pmh', 'med', 'allergy', 'fhx', 'social', 'skin', 'aesthetic', 'women', 'onc', 'cv', 'fitz', 'dcq']);
  });

  it('gives every item and option a Spanish text', () => {
    for (const i of all) {
      const ext = (i as { _text?: { extension?: { url: string; extension?: { url: string; valueCode?: string; valueString?: string }[] }[] } })._text?.extension?.[0];
      expect(ext?.url, i.linkId).toBe(EXT_TRANSLATION);
      expect(ext?.extension?.find((e) => e.url === 'lang')?.valueCode, i.linkId).toBe('es');
      expect(ext?.extension?.find((e) => e.url === 'content')?.valueString?.length, i.linkId).toBeGreaterThan(0);
      for (const opt of i.answerOption ?? []) {
        expect((opt.valueCoding as { _display?: { extension?: unknown[] } })._display?.extension?.length, `${i.linkId} ${opt.valueCoding?.code}`).toBe(1);
      }
    }
  });

  it('points every enableWhen at an item that exists and appears before it, with a fitting answer type', () => {
    const order = new Map(all.map((i, n) => [i.linkId, n]));
    const byId = new Map(all.map((i) => [i.linkId, i]));
    for (const i of all) {
      for (const ew of i.enableWhen ?? []) {
        const target = byId.get(ew.question);
        expect(target, `${i.linkId} -> ${ew.question}`).toBeDefined();
        expect(order.get(ew.question)!, i.linkId).toBeLessThan(order.get(i.linkId)!);
        if (ew.answerCoding) {
          expect(target!.answerOption?.some((o) => o.valueCoding?.code === ew.answerCoding?.code && o.valueCoding?.system === ew.answerCoding?.system), `${i.linkId}`).toBe(true);
        }
        if (ew.answerBoolean !== undefined && ew.operator !== 'exists') expect(target!.type).toBe('boolean');
      }
    }
  });

  it('uses nested and multi-answer conditions', () => {
    expect(all.some((i) => i.enableBehavior === 'any')).toBe(true);
    expect(all.some((i) => i.enableBehavior === 'all')).toBe(true);
    expect(all.find((i) => i.linkId === 'women')?.enableWhen?.[0]?.question).toBe('about.sex');
    expect(all.find((i) => i.linkId === 'women.contraception')?.enableWhen?.[0]?.question).toBe('women.pregnant');
  });

  it('scores every Fitzpatrick option 0-4 and every DCQ option 0-3', () => {
    const ordinals = (linkId: string) =>
      all.find((i) => i.linkId === linkId)!.answerOption!.map((o) => o.extension?.find((e) => e.url.endsWith('ordinalValue'))?.valueDecimal);
    const fitz = all.filter((i) => i.linkId.startsWith('fitz.'));
    expect(fitz).toHaveLength(10);
    for (const f of fitz) expect(ordinals(f.linkId)).toEqual([0, 1, 2, 3, 4]);
    const dcq = all.filter((i) => i.linkId.startsWith('dcq.'));
    expect(dcq).toHaveLength(7);
    for (const d of dcq) expect(ordinals(d.linkId)).toEqual([0, 1, 2, 3]);
  });
});
