/** Long thin dark lines count as hair; short strokes (text, pores) and broad dark areas do not. */
import { describe, expect, it } from 'vitest';
import { longLineCover } from './hair-cover.ts';
import type { RgbImage } from './preprocess.ts';

const SIZE = 224;
const OPTIONS = { radius: 2, lift: 25, span: 80 };

/** A skin-coloured picture with dark pixels painted by `dark(x, y)`. */
function picture(dark: (x: number, y: number) => boolean): RgbImage {
  const rgb = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const [r, g, b] = dark(x, y) ? [40, 30, 25] : [200, 150, 130];
      rgb.set([r, g, b], 3 * (y * SIZE + x));
    }
  }
  return { data: rgb, width: SIZE, height: SIZE };
}

describe('longLineCover', () => {
  it('is zero on plain skin', () => {
    expect(longLineCover(picture(() => false), OPTIONS)).toBe(0);
  });

  it('counts the pixels of hairs crossing the picture', () => {
    // Three 2 px diagonal hairs across the whole picture.
    const hairs = picture((x, y) => [0, 60, -60].some((o) => Math.abs(y - x - o) < 1.5));
    const cover = longLineCover(hairs, OPTIONS);
    expect(cover).toBeGreaterThan(0.02);
    expect(cover).toBeLessThan(0.05);
  });

  it('ignores rows of short strokes, like text', () => {
    // 2 px strokes 8 px long, 4 px apart, on lines 20 px apart: a page of writing.
    const text = picture((x, y) => y % 20 < 2 && x % 12 < 8);
    expect(longLineCover(text, OPTIONS)).toBe(0);
  });

  it('ignores a broad dark area (the lesion itself), which the closing cannot lift', () => {
    const lesion = picture((x, y) => (x - 112) ** 2 + (y - 112) ** 2 < 60 ** 2);
    expect(longLineCover(lesion, OPTIONS)).toBe(0);
  });
});
