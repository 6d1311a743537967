import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cropToFieldOfView } from './field-of-view.ts';
import { decodeImage, type RgbImage } from './preprocess.ts';
import { createRng } from '../platform/seed/prng.ts';
import { fillHoles, greyClose, otsuThreshold, segmentLesion, shrink } from './segment.ts';

const SKIN: [number, number, number] = [222, 172, 150];
const BROWN: [number, number, number] = [95, 58, 40];

/** A skin-coloured image with pixels painted where `inside(x, y)` holds. */
function paint(w: number, h: number, inside: (x: number, y: number) => [number, number, number] | null): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = inside(x, y) ?? SKIN;
      data.set(c, (y * w + x) * 3);
    }
  }
  return { width: w, height: h, data };
}
const disc = (cx: number, cy: number, r: number, c = BROWN) => (x: number, y: number) => ((x - cx) ** 2 + (y - cy) ** 2 <= r * r ? c : null);
const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);

describe('segmentLesion', () => {
  it('finds a centred dark disc: the mask is the disc, reliable', () => {
    const seg = segmentLesion(paint(200, 150, disc(100, 75, 40)));
    expect(seg.scale).toBe(1);
    expect(seg.reliable).toBe(true);
    expect(seg.problems).toEqual([]);
    const expected = Math.PI * 40 * 40;
    expect(Math.abs(count(seg.mask) - expected) / expected).toBeLessThan(0.05);
    expect(seg.mask[75 * 200 + 100]).toBe(1);
    expect(seg.mask[5 * 200 + 5]).toBe(0);
  });

  it('works on a shrunk copy of a large image and reports the scale', () => {
    const seg = segmentLesion(paint(1000, 800, disc(500, 400, 200)));
    expect(seg.scale).toBe(4);
    expect(seg.image.width).toBe(250);
    expect(seg.reliable).toBe(true);
    expect(seg.areaFraction).toBeCloseTo((Math.PI * 200 * 200) / (1000 * 800), 1);
  });

  it("leaves the frame out on a real picture: ham-nv.jpg in a phone attachment's field (field-of-view.jpg)", async () => {
    const img = cropToFieldOfView(await decodeImage(fs.readFileSync(path.resolve(import.meta.dirname, '../../test/fixtures/lesion/field-of-view.jpg')))).image;
    const seg = segmentLesion(img);
    expect(seg.problems).toEqual([]);
    const { width: w, height: h } = seg.image;
    for (const corner of [0, w - 1, (h - 1) * w, h * w - 1]) expect(seg.mask[corner]).toBe(0);
  });

  it('keeps a dark lesion that touches one side: one dark side is not a frame', () => {
    const seg = segmentLesion(paint(200, 150, (x, y) => (x < 70 && y > 40 && y < 110 ? [10, 8, 8] : null)));
    expect(seg.mask[75 * 200 + 30]).toBe(1);
  });

  it('keeps the lesion nearest the centre, not a larger dark blot in a corner', () => {
    const img = paint(200, 200, (x, y) => disc(100, 100, 20)(x, y) ?? disc(25, 25, 24)(x, y));
    const seg = segmentLesion(img);
    expect(seg.mask[100 * 200 + 100]).toBe(1);
    expect(seg.mask[25 * 200 + 25]).toBe(0);
  });

  it('fills a light hole inside the lesion (regression structure, a white veil)', () => {
    const img = paint(200, 200, (x, y) => (disc(100, 100, 12, [230, 230, 230])(x, y) ? [230, 230, 230] : disc(100, 100, 50)(x, y)));
    const seg = segmentLesion(img);
    expect(seg.mask[100 * 200 + 100]).toBe(1);
  });

  it('drops a thin hair crossing the skin', () => {
    const img = paint(200, 200, (x, y) => disc(100, 100, 35)(x, y) ?? (Math.abs(y - 20) <= 1 ? [40, 30, 25] : null));
    const seg = segmentLesion(img);
    expect(seg.mask[20 * 200 + 10]).toBe(0);
    expect(seg.reliable).toBe(true);
  });

  it('flags an empty, a tiny and a frame-filling mask as unreliable', () => {
    const blank = segmentLesion(paint(100, 100, () => null));
    expect(blank.reliable).toBe(false);
    expect(blank.problems.join(' ')).toMatch(/no lesion/);
    const tiny = segmentLesion(paint(400, 400, disc(200, 200, 10)));
    expect(tiny.reliable).toBe(false);
    expect(tiny.problems.join(' ')).toMatch(/tiny/);
    // A lesion larger than the field of view: only the skin corners are light.
    const huge = segmentLesion(paint(200, 200, disc(100, 100, 135)));
    expect(huge.reliable).toBe(false);
    expect(huge.problems.join(' ')).toMatch(/most of the image/);
  });
});

describe('a ragged mask', () => {
  it('is flagged unreliable: it more likely followed texture than a lesion border', () => {
    // A comb: a dark bar with long 12-pixel teeth, far more ragged than any lesion outline.
    const comb = segmentLesion(paint(240, 240, (x, y) => (y >= 60 && y < 76 && x >= 24 && x < 216) || (y >= 76 && y < 200 && x >= 24 && x < 216 && Math.floor((x - 24) / 12) % 2 === 0) ? BROWN : null));
    expect(comb.reliable).toBe(false);
    expect(comb.problems.join(' ')).toMatch(/too ragged/);
  });
});

describe('building blocks', () => {
  it('greyClose is the max then the min over each (2r+1)-square, edges repeated', () => {
    // Against the definition, pixel by pixel, on noise with a thin dark line and a dark block.
    const [w, h, r] = [23, 17, 2];
    const rng = createRng(7);
    const src = new Float32Array(w * h).map(() => rng.range(100, 200));
    for (let x = 0; x < w; x++) src[8 * w + x] = 10; // a one-pixel hair: closed away
    for (let y = 2; y < 9; y++) for (let x = 2; x < 9; x++) src[y * w + x] = 20; // a 7x7 lesion: kept
    const at = (a: ArrayLike<number>, x: number, y: number) => a[Math.min(Math.max(y, 0), h - 1) * w + Math.min(Math.max(x, 0), w - 1)]!;
    const square = (a: ArrayLike<number>, pick: (...v: number[]) => number) => {
      const out = new Float32Array(w * h);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const around: number[] = [];
          for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) around.push(at(a, x + dx, y + dy));
          out[y * w + x] = pick(...around);
        }
      }
      return out;
    };
    const expected = square(square(src, Math.max), Math.min);
    expect(Array.from(greyClose(src, w, h, r))).toEqual(Array.from(expected));
    expect(greyClose(src, w, h, r)[8 * w + 15]).toBeGreaterThan(100);
    expect(greyClose(src, w, h, r)[5 * w + 5]).toBe(20);
  });

  it('Otsu splits a two-level histogram between the levels', () => {
    const t = otsuThreshold([...Array(50).fill(40), ...Array(50).fill(200)]);
    expect(t).toBeGreaterThanOrEqual(40);
    expect(t).toBeLessThan(200);
  });

  it('fillHoles fills an enclosed hole and leaves an open bay', () => {
    // 5x5 ring with a hole at the centre.
    const m = new Uint8Array(25);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) m[y * 5 + x] = 1;
    m[12] = 0;
    expect(fillHoles(m, 5, 5)[12]).toBe(1);
    m[13] = 0; // a gap in the ring joins the hole to the skin at the frame's edge: a bay, not a hole
    expect(fillHoles(m, 5, 5)[12]).toBe(0);
  });

  it('shrink averages whole-pixel boxes', () => {
    const img: RgbImage = { width: 600, height: 300, data: new Uint8Array(600 * 300 * 3).fill(100) };
    img.data[0] = 255;
    const { image, scale } = shrink(img);
    expect(scale).toBe(3);
    expect([image.width, image.height]).toEqual([200, 100]);
    expect(image.data[0]).toBe(Math.round((255 + 8 * 100) / 9));
  });
});
