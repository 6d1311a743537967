/**
 * The notes an analysis carries about what was done to the picture before it was assessed
 * (converted, downscaled, cropped to the field...). The API and the stored analyses keep
 * them as English sentences; this module is the one place that writes them and reads them
 * back, so the web app can show each in the reader's language (and older stored analyses
 * read the same way). Pure.
 */

export type PictureNote =
  | { kind: 'cmyk' }
  | { kind: 'reduced-bit-depth'; bits: '16' | 'high' }
  | { kind: 'alpha-dropped' }
  | { kind: 'alpha-flattened'; transparent: string }
  | { kind: 'downscaled'; width: number; height: number }
  | { kind: 'field-of-view'; width: number; height: number; ofWidth: number; ofHeight: number };

export type PictureNoteKind = PictureNote['kind'];

export const PICTURE_NOTE_KINDS: readonly PictureNoteKind[] = ['cmyk', 'reduced-bit-depth', 'alpha-dropped', 'alpha-flattened', 'downscaled', 'field-of-view'];

/** The English sentence of a note. */
export function noteText(note: PictureNote): string {
  switch (note.kind) {
    case 'cmyk':
      return 'converted from CMYK';
    case 'reduced-bit-depth':
      return `${note.bits}-bit reduced to 8-bit`;
    case 'alpha-dropped':
      return 'alpha channel fully opaque, dropped';
    case 'alpha-flattened':
      return `alpha channel flattened onto black (${note.transparent} transparent)`;
    case 'downscaled':
      return `downscaled from ${note.width}×${note.height} for analysis`;
    case 'field-of-view':
      return `cropped to the dermatoscope's round field (${note.width}×${note.height} of ${note.ofWidth}×${note.ofHeight} pixels)`;
  }
}

const PATTERNS: [RegExp, (m: RegExpMatchArray) => PictureNote][] = [
  [/^converted from CMYK$/, () => ({ kind: 'cmyk' })],
  [/^(16|high)-bit reduced to 8-bit$/, (m) => ({ kind: 'reduced-bit-depth', bits: m[1] as '16' | 'high' })],
  [/^alpha channel fully opaque, dropped$/, () => ({ kind: 'alpha-dropped' })],
  [/^alpha channel flattened onto black \((.+) transparent\)$/, (m) => ({ kind: 'alpha-flattened', transparent: m[1]! })],
  [/^downscaled from (\d+)×(\d+) for analysis$/, (m) => ({ kind: 'downscaled', width: Number(m[1]), height: Number(m[2]) })],
  [
    /^cropped to the dermatoscope's round field \((\d+)×(\d+) of (\d+)×(\d+) pixels\)$/,
    (m) => ({ kind: 'field-of-view', width: Number(m[1]), height: Number(m[2]), ofWidth: Number(m[3]), ofHeight: Number(m[4]) }),
  ],
];

/** The note a sentence of noteText stands for, or null for a sentence it did not write. */
export function parseNote(text: string): PictureNote | null {
  for (const [re, build] of PATTERNS) {
    const m = text.match(re);
    if (m) return build(m);
  }
  return null;
}
