import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { asymmetry, borderIrregularity, lesionColours, lesionFeatures, maxFeret } from './abcd.ts';
import { decodeForAnalysis } from './decode.ts';
import type { RgbImage } from './preprocess.ts';
import { segmentLesion } from './segment.ts';

type Rgb = [number, number, number];
const SKIN: Rgb = [222, 172, 150];

function maskOf(w: number, h: number, inside: (x: number, y: number) => boolean): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) m[y * w + x] = inside(x, y) ? 1 : 0;
  return m;
}
function paint(w: number, h: number, colour: (x: number, y: number) => Rgb | null): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(colour(x, y) ?? SKIN, (y * w + x) * 3);
  return { width: w, height: h, data };
}
const inDisc = (cx: number, cy: number, r: number) => (x: number, y: number) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
/** An ellipse with semi-axes a, b turned by `angle` radians. */
const inEllipse = (cx: number, cy: number, a: number, b: number, angle: number) => (x: number, y: number) => {
  const dx = x - cx;
  const dy = y - cy;
  const u = dx * Math.cos(angle) + dy * Math.sin(angle);
  const v = -dx * Math.sin(angle) + dy * Math.cos(angle);
  return (u / a) ** 2 + (v / b) ** 2 <= 1;
};
/** A five-pointed star: radius oscillating between r and r / 2. */
const inStar = (cx: number, cy: number, r: number) => (x: number, y: number) => {
  const t = Math.atan2(y - cy, x - cx);
  const rr = r * (0.75 + 0.25 * Math.cos(5 * t));
  return Math.hypot(x - cx, y - cy) <= rr;
};

describe('ABCD on synthetic shapes with known answers', () => {
  const W = 200;
  const H = 200;

  it('a disc: asymmetry ~0, irregularity ~1, Feret diameter 2r', () => {
    const m = maskOf(W, H, inDisc(100, 100, 50));
    expect(asymmetry(m, W, H)).toBeLessThan(0.02);
    expect(borderIrregularity(m, W, H)).toBeGreaterThan(0.95);
    expect(borderIrregularity(m, W, H)).toBeLessThan(1.04);
    expect(maxFeret(m, W, H)).toBeCloseTo(100, 0);
  });

  it('an ellipse, turned: still symmetric about its principal axes; longer border; Feret = major axis', () => {
    const m = maskOf(W, H, inEllipse(100, 100, 70, 35, 0.5));
    expect(asymmetry(m, W, H)).toBeLessThan(0.03);
    // Ramanujan's perimeter for a = 2b gives P^2 / (4 pi A) = 1.18.
    expect(borderIrregularity(m, W, H)).toBeGreaterThan(1.1);
    expect(borderIrregularity(m, W, H)).toBeLessThan(1.3);
    expect(Math.abs(maxFeret(m, W, H) - 140)).toBeLessThan(2);
  });

  it('a square measures 4/pi (1.27)', () => {
    const sq = maskOf(W, H, (x, y) => x >= 50 && x < 150 && y >= 50 && y < 150);
    expect(borderIrregularity(sq, W, H)).toBeCloseTo(4 / Math.PI, 1);
  });

  it('a star is irregular; a half-disc and a comma shape are asymmetric', () => {
    const star = maskOf(W, H, inStar(100, 100, 80));
    expect(borderIrregularity(star, W, H)).toBeGreaterThan(1.4);
    // A half-disc is symmetric about one axis and not the other.
    const halfDisc = maskOf(W, H, (x, y) => inDisc(100, 100, 60)(x, y) && y >= 100);
    expect(asymmetry(halfDisc, W, H)).toBeGreaterThan(0.05);
    const comma = maskOf(W, H, (x, y) => inDisc(90, 100, 45)(x, y) || inDisc(140, 60, 20)(x, y));
    expect(asymmetry(comma, W, H)).toBeGreaterThan(asymmetry(maskOf(W, H, inDisc(100, 100, 45)), W, H) + 0.1);
  });

  it('counts the six dermoscopic colours: one, two and none', () => {
    const m = maskOf(W, H, inDisc(100, 100, 60));
    // After the skin is corrected to neutral: dark brown L* 27, light brown L* 52 (hue 55-65 deg), blue-grey hue about 235 deg.
    const darkBrown: Rgb = [95, 55, 40];
    const lightBrown: Rgb = [175, 110, 80];
    const blueGrey: Rgb = [70, 140, 150];
    const one = paint(W, H, (x, y) => (m[y * W + x] ? darkBrown : null));
    expect(lesionColours(one, m)).toEqual(['dark brown']);
    const two = paint(W, H, (x, y) => (m[y * W + x] ? (x < 100 ? darkBrown : lightBrown) : null));
    expect(lesionColours(two, m)).toEqual(['light brown', 'dark brown']);
    const three = paint(W, H, (x, y) => (m[y * W + x] ? (x < 80 ? darkBrown : x < 120 ? blueGrey : [5, 5, 5]) : null));
    expect(lesionColours(three, m)).toEqual(['dark brown', 'blue-grey', 'black']);
    // Skin-toned "lesion" pixels match none of the six.
    expect(lesionColours(paint(W, H, () => null), m)).toEqual([]);
  });

  it('calls vessel red red and reddish-brown pigment brown', () => {
    const m = maskOf(W, H, inDisc(100, 100, 60));
    const vessels = paint(W, H, (x, y) => (m[y * W + x] ? (x < 100 ? [190, 60, 70] : [150, 40, 80]) : null)); // red and purple-red
    expect(lesionColours(vessels, m)).toEqual(['red']);
    const reddishBrown = paint(W, H, (x, y) => (m[y * W + x] ? [160, 95, 70] : null)); // the nevus pigment the old rule called red
    expect(lesionColours(reddishBrown, m)).toEqual(['light brown']);
  });

  it('on real dermoscopy: the HAM10000 nevus fixture is brown, not red', async () => {
    const o = await decodeForAnalysis(fs.readFileSync(path.resolve(import.meta.dirname, '../../test/fixtures/lesion/ham-nv.jpg')));
    if (!o.ok) throw new Error(o.message);
    const seg = segmentLesion(o.image);
    expect(lesionColours(seg.image, seg.mask)).toEqual(['light brown', 'dark brown']);
  });

  it('ignores a colour on fewer than 5% of the lesion pixels', () => {
    const m = maskOf(W, H, inDisc(100, 100, 60));
    const img = paint(W, H, (x, y) => (m[y * W + x] ? (inDisc(100, 100, 8)(x, y) ? [5, 5, 5] : [95, 55, 40]) : null));
    expect(lesionColours(img, m)).toEqual(['dark brown']);
  });
});

describe('lesionFeatures end to end from an image', () => {
  const img = paint(800, 600, (x, y) => (inDisc(400, 300, 160)(x, y) ? (x < 400 ? [70, 30, 20] : [160, 105, 40]) : null));
  const seg = segmentLesion(img);

  it('gives the diameter in original pixels, and in mm only with a scale', () => {
    const f = lesionFeatures(seg);
    expect(seg.scale).toBe(4);
    expect(Math.abs(f.diameterPx - 321) / 321).toBeLessThan(0.03);
    expect(f.diameterMm).toBeNull();
    const mm = lesionFeatures(seg, 32);
    expect(mm.diameterMm).toBeCloseTo(mm.diameterPx / 32, 9);
    expect(f.asymmetry).toBeLessThan(0.05);
    expect(f.borderIrregularity).toBeLessThan(1.15);
    expect(f.segmentationReliable).toBe(true);
    expect(f.areaFraction).toBeCloseTo(seg.areaFraction, 12);
  });

  it('converts back to the file\'s pixels when the decoder had shrunk the image', () => {
    const f = lesionFeatures(seg, 32, 2.5);
    expect(f.diameterPx).toBeCloseTo(lesionFeatures(seg).diameterPx * 2.5, 9);
    expect(f.diameterMm).toBeCloseTo(f.diameterPx / 32, 9);
  });

  it('an empty segmentation gives zero features, unreliable, without throwing', () => {
    const f = lesionFeatures(segmentLesion(paint(100, 100, () => null)), 10);
    expect(f).toMatchObject({ areaFraction: 0, colourCount: 0, colours: [], diameterPx: 0, diameterMm: 0, segmentationReliable: false });
  });
});
