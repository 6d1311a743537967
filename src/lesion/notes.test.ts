/**
 * Picture notes: every note the decoder and the field-of-view crop write reads back as the
 * note it was, so the web app can put each in the reader's language.
 */
import { describe, expect, it } from 'vitest';
import { noteText, parseNote, PICTURE_NOTE_KINDS, type PictureNote } from './notes.ts';

const EXAMPLES: PictureNote[] = [
  { kind: 'cmyk' },
  { kind: 'reduced-bit-depth', bits: '16' },
  { kind: 'reduced-bit-depth', bits: 'high' },
  { kind: 'alpha-dropped' },
  { kind: 'alpha-flattened', transparent: '0.6 %' },
  { kind: 'downscaled', width: 4000, height: 3000 },
  { kind: 'field-of-view', width: 412, height: 410, ofWidth: 1024, ofHeight: 768 },
];

describe('picture notes', () => {
  it('has an example of every kind', () => {
    expect(new Set(EXAMPLES.map((n) => n.kind))).toEqual(new Set(PICTURE_NOTE_KINDS));
  });

  for (const note of EXAMPLES) {
    it(`${note.kind}: the sentence reads back as the same note`, () => {
      expect(parseNote(noteText(note))).toEqual(note);
    });
  }

  it('keeps the sentences analyses were stored with', () => {
    expect(noteText({ kind: 'downscaled', width: 4000, height: 3000 })).toBe('downscaled from 4000×3000 for analysis');
    expect(noteText({ kind: 'alpha-flattened', transparent: '0.6 %' })).toBe('alpha channel flattened onto black (0.6 % transparent)');
  });

  it('does not claim a sentence it did not write', () => {
    expect(parseNote('converted from CMYK, twice')).toBeNull();
    expect(parseNote('')).toBeNull();
  });
});
