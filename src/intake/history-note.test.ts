/** The note: nothing invented (every sentence sourced), both languages, escaped narrative, valid Composition. */
import { describe, expect, it } from 'vitest';
import { validateFhirResource } from '../platform/fhir/validate.ts';
import { buildResponse, type Draft } from './build-response.ts';
import { EXT_NOTE_SENTENCE, noteToText, type HistoryNote } from './history-note.ts';
import { processIntake } from './index.ts';
import { answeredLinkIds, viewResponse } from './response-view.ts';
import { SHIPPED_INDEX } from './shipped-index.ts';
import { syntheticResponse } from './synthetic.ts';
import { COMPLETE_WITH_FLAGS, FIXTURE_AS_OF, MINIMAL_HEALTHY, PARTIAL } from '../../test/fixtures/intake/drafts.ts';

function noteOf(response: ReturnType<typeof buildResponse>, lang: 'en' | 'es') {
  const o = processIntake(response, { asOf: FIXTURE_AS_OF, lang });
  if (!o.ok) throw new Error(o.validation.errors.map((e) => e.message.en).join('; '));
  return o;
}

/** Walks every sentence: answer and flag sentences cite answered linkIds, missing ones cite unanswered items. */
function checkSources(note: HistoryNote, answered: Set<string>): void {
  const ids = new Set<string>();
  for (const s of note.sections) {
    for (const x of s.sentences) {
      expect(ids.has(x.id), x.id).toBe(false);
      ids.add(x.id);
      expect(x.linkIds.length, x.text).toBeGreaterThan(0);
      for (const l of x.linkIds) {
        expect(SHIPPED_INDEX.items.has(l), `${x.id}: ${l}`).toBe(true);
        // A repeating group's item can be missing in one instance and answered in another.
        if (x.kind === 'missing') expect(answered.has(l) && !SHIPPED_INDEX.items.get(l)?.repeatingGroup, `${x.id}: ${l} should be unanswered`).toBe(false);
        else expect(answered.has(l), `${x.id}: ${l} is not answered (“${x.text}”)`).toBe(true);
      }
    }
  }
}

describe('writeHistoryNote', () => {
  it.each([
    ['complete', COMPLETE_WITH_FLAGS],
    ['healthy', MINIMAL_HEALTHY],
    ['partial', PARTIAL],
  ] as [string, Draft][])('%s: every sentence names answered source items, in both languages', (_, draft) => {
    const response = buildResponse(draft, SHIPPED_INDEX);
    const answered = answeredLinkIds(viewResponse(response, SHIPPED_INDEX));
    for (const lang of ['en', 'es'] as const) checkSources(noteOf(response, lang).note, answered);
  });

  it('holds for 300 varied synthetic responses', () => {
    for (let seed = 1000; seed < 1300; seed++) {
      const response = syntheticResponse(seed, { asOf: FIXTURE_AS_OF });
      checkSources(noteOf(response, seed % 2 ? 'es' : 'en').note, answeredLinkIds(viewResponse(response, SHIPPED_INDEX)));
    }
  });

  it('has the sections of a history, red flags first', () => {
    const { note } = noteOf(buildResponse(COMPLETE_WITH_FLAGS, SHIPPED_INDEX), 'en');
    expect(note.sections.map((s) => s.code)).toEqual([
      'red-flags',
      'chief-complaint',
      'present-concern',
      'past-history',
      'medications',
      'allergies',
      'family-history',
      'social-history',
      'skin-history',
      'aesthetic-history',
      'oncology-history',
      'review-of-systems',
      'screening-scores',
    ]);
    const text = noteToText(note);
    expect(text).toContain('46-year-old woman. [about.age, about.sex]');
    expect(text).toContain('Smokes every day: 15 cigarettes a day, for 25 years, 18.8 pack-years.');
    expect(text).toContain('Fitzpatrick skin type III (self-assessment score 16 of 40');
  });

  it('writes Spanish', () => {
    const text = noteToText(noteOf(buildResponse(COMPLETE_WITH_FLAGS, SHIPPED_INDEX), 'es').note);
    expect(text).toContain('Mujer de 46 años.');
    expect(text).toContain('Fuma a diario: 15 cigarrillos al día, durante 25 años, 18.8 paquetes-año.');
    expect(text).toContain('Alergia a látex (reacción: Rash).');
  });

  it('a partial intake says what is missing, first', () => {
    const { note } = noteOf(buildResponse(PARTIAL, SHIPPED_INDEX), 'en');
    expect(note.complete).toBe(false);
    const incomplete = note.sections.find((s) => s.code === 'incomplete');
    expect(incomplete?.sentences[0]?.text).toMatch(/^The intake is incomplete: 39 required answers are missing: “Name of the medicine or supplement” \(med\.list\[1\]\);/);
    expect(note.sections.find((s) => s.code === 'screening-scores')?.sentences[0]?.text).toBe('Fitzpatrick skin type not scored: 8 of 10 questions unanswered.');
  });

  it('is deterministic', () => {
    const r = buildResponse(COMPLETE_WITH_FLAGS, SHIPPED_INDEX);
    expect(noteOf(r, 'en').composition).toEqual(noteOf(r, 'en').composition);
  });
});

describe('noteToComposition', () => {
  const { composition, note } = noteOf(buildResponse(COMPLETE_WITH_FLAGS, SHIPPED_INDEX, { id: 'qr-9' }), 'en');

  it('is a valid preliminary R4 Composition', () => {
    expect(() => validateFhirResource(structuredClone(composition))).not.toThrow();
    expect(composition.status).toBe('preliminary');
  });

  it('escapes answers in the narrative: a <script> answer stays text', () => {
    const div = composition.section?.find((s) => s.code?.coding?.[0]?.code === '10154-3')?.text?.div ?? '';
    expect(div).not.toContain('<script>');
    expect(div).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('maps every sentence span to its linkIds', () => {
    for (const [i, section] of (composition.section ?? []).entries()) {
      const sentences = note.sections[i]!.sentences;
      const exts = (section.extension ?? []).filter((e) => e.url === EXT_NOTE_SENTENCE);
      expect(exts).toHaveLength(sentences.length);
      exts.forEach((e, j) => {
        const id = e.extension?.find((x) => x.url === 'sentence')?.valueString;
        expect(id).toBe(sentences[j]!.id);
        expect(section.text?.div).toContain(`<span id="${id}">`);
        expect(e.extension?.filter((x) => x.url === 'linkId').map((x) => x.valueString)).toEqual(sentences[j]!.linkIds);
      });
    }
  });
});
