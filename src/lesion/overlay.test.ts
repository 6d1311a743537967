import { describe, expect, it } from 'vitest';
import { centreSquare, heatmapOverlay, OUTLINE_RGB, outlineOverlay, smoothMap } from './overlay.ts';
import type { RgbImage } from './preprocess.ts';
import { segmentLesion } from './segment.ts';

const SKIN = [222, 172, 150];
function discImage(w: number, h: number, cx: number, cy: number, r: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set((x - cx) ** 2 + (y - cy) ** 2 <= r * r ? [90, 55, 40] : SKIN, (y * w + x) * 3);
  return { width: w, height: h, data };
}
const px = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('centreSquare', () => {
  it('crops the central square with floored offsets, like the model input', () => {
    const img: RgbImage = { width: 5, height: 2, data: new Uint8Array(30).map((_, i) => Math.floor(i / 3)) };
    const sq = centreSquare(img);
    expect([sq.width, sq.height]).toEqual([2, 2]);
    // left offset floor((5 - 2) / 2) = 1: pixels 1, 2 of row 0 and 6, 7 of row 1.
    expect([px(sq, 0, 0)[0], px(sq, 1, 0)[0], px(sq, 0, 1)[0], px(sq, 1, 1)[0]]).toEqual([1, 2, 6, 7]);
  });
});

describe('outlineOverlay', () => {
  it('traces the lesion border at the image size and leaves the inside and the skin untouched', () => {
    const img = discImage(200, 150, 100, 75, 40);
    const pic = outlineOverlay(img, segmentLesion(img));
    expect([pic.width, pic.height]).toEqual([200, 150]);
    expect(px(pic, 100, 75)).toEqual([90, 55, 40]);
    expect(px(pic, 5, 5)).toEqual(SKIN);
    // Somewhere within two pixels inside the disc's edge, on the horizontal through its centre, is outline.
    const row = [137, 138, 139, 140].map((x) => px(pic, x, 75));
    expect(row).toContainEqual([...OUTLINE_RGB]);
  });

  it('shrinks a large image to at most 1024 pixels and keeps the outline on the lesion', () => {
    const img = discImage(2048, 1536, 1024, 768, 400);
    const pic = outlineOverlay(img, segmentLesion(img));
    expect(Math.max(pic.width, pic.height)).toBeLessThanOrEqual(1024);
    expect(pic.width / pic.height).toBeCloseTo(2048 / 1536, 2);
    const y = Math.round(pic.height / 2);
    const cx = Math.round(pic.width / 2);
    const r = 400 * (pic.width / 2048);
    const hits = [];
    for (let x = Math.round(cx + r - 4); x <= Math.round(cx + r + 1); x++) if (px(pic, x, y).join() === OUTLINE_RGB.join()) hits.push(x);
    expect(hits.length).toBeGreaterThan(0);
  });
});

describe('heatmapOverlay', () => {
  it('tints red where the map is positive, blue where negative, nothing where zero, on the centre crop', () => {
    const img: RgbImage = { width: 300, height: 200, data: new Uint8Array(300 * 200 * 3).fill(128) };
    const size = 4;
    const map = new Float32Array(size * size);
    map[0] = 0.3; // top-left: supports melanoma
    map[15] = -0.3; // bottom-right: argues against
    const pic = heatmapOverlay(img, map, size);
    expect([pic.width, pic.height]).toEqual([200, 200]);
    const tl = px(pic, 2, 2);
    expect(tl[0]!).toBeGreaterThan(180);
    expect(tl[2]!).toBeLessThan(80);
    const br = px(pic, 197, 197);
    expect(br[2]!).toBeGreaterThan(180);
    expect(br[0]!).toBeLessThan(80);
    expect(px(pic, 2, 197)).toEqual([128, 128, 128]);
  });

  it('draws tiny drops faintly instead of scaling noise to full strength', () => {
    const img: RgbImage = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(128) };
    const faint = heatmapOverlay(img, new Float32Array(4).fill(0.002), 2);
    expect(Math.abs(px(faint, 4, 4)[0]! - 128)).toBeLessThan(10);
  });

  it('refuses a map of the wrong size', () => {
    expect(() => heatmapOverlay(discImage(10, 10, 5, 5, 2), new Float32Array(5), 4)).toThrow(/4x4/);
  });
});

describe('smoothMap', () => {
  it('softens a step without moving it, and keeps a flat map flat', () => {
    const size = 32;
    const step = new Float32Array(size * size).map((_, i) => (i % size < 16 ? 1 : 0));
    const s = smoothMap(step, size, 4);
    expect(s[5 * size + 2]).toBeCloseTo(1, 6);
    expect(s[5 * size + 15]!).toBeGreaterThan(0.5);
    expect(s[5 * size + 16]!).toBeLessThan(0.5);
    expect(s[5 * size + 16]!).toBeGreaterThan(0);
    expect(Array.from(smoothMap(new Float32Array(64).fill(0.3), 8, 2)).every((v) => Math.abs(v - 0.3) < 1e-6)).toBe(true);
  });
});
