/**
 * ABCD features of a segmented lesion, measured rather than scored: Stolz et al., "ABCD
 * rule of dermatoscopy", Eur J Dermatol 4:521-527, 1994 (Asymmetry, Border, Colours,
 * Differential structures; diameter added as in the clinical ABCDE mnemonic, Abbasi et
 * al., JAMA 292:2771-2776, 2004). Pure.
 */
import type { RgbImage } from './preprocess.ts';
import type { Segmentation } from './segment.ts';
import type { LesionFeatures } from './types.ts';
import { shadesOfGrayIlluminant } from './colour-constancy.ts';

/** The six dermoscopic colours of the ABCD rule (Stolz 1994; Argenziano et al., J Am Acad Dermatol 39:421-426, 1998). */
export const DERMOSCOPIC_COLOURS = ['white', 'red', 'light brown', 'dark brown', 'blue-grey', 'black'] as const;
export type DermoscopicColour = (typeof DERMOSCOPIC_COLOURS)[number];

/**
 * Colour rule (the limits are ours). The working image is first colour-corrected with
 * Shades-of-Gray (p = 6, as the model's preprocessing; Finlayson and Trezzi 2004), which
 * makes the surrounding skin nearly neutral (CIELAB chroma about 3), so a lesion pixel's hue
 * is read relative to the skin rather than to the dermoscope's light. Each lesion pixel is
 * then placed by CIELAB lightness L*, chroma C* and hue angle h (COLOUR_LIMITS); a colour is
 * present when at least COLOUR_MIN_SHARE of the lesion's pixels take it, so stray pixels do
 * not count.
 *
 * Why CIELAB and not the nearest of six reference RGB values (the rule until 2026-11-28, with
 * Kasmi and Mokrani's references, IET Image Processing 2016): reddish-brown nevus pigment
 * lies about as close to their "red" (0.8, 0.2, 0.2) as to their "light brown" (0.6, 0.4, 0),
 * and the nearest-reference rule called 68 % of HAM10000 nevi "red" against 52 % of vascular
 * lesions. There is no colour ground truth, so the rule is checked against what the
 * diagnoses imply (scripts/measure-lesion-colours.ts, 60 lesions per class, drawn apart from
 * the 40 per class the limits were chosen on): "red" in 97 % of vascular lesions and 22 % of
 * nevi; blue-grey 13 % of melanomas, 5 % of nevi; black 20 % vs 7 %; colours per lesion 2.3
 * in melanoma vs 2.1 in nevi. White was found in none of those lesions, so its limits are
 * untested on real images. Indicative only.
 */
export const COLOUR_LIMITS = {
  /** Black: L* below this, whatever the hue. */
  blackMaxL: 15,
  /** White: L* at least this (brighter than the corrected skin, L* 62-84) and C* below whiteMaxC. */
  whiteMinL: 88,
  whiteMaxC: 12,
  /** Red (red, pink, purple-red: vessels, erythema): hue from redMinHue through 0 deg to redMaxHue, C* at least redMinC, L* below redMaxL. */
  redMinHue: 290,
  redMaxHue: 12,
  redMinC: 14,
  redMaxL: 80,
  /** Brown: hue redMaxHue-90 deg, C* at least brownMinC; light when L* >= darkBrownMaxL, dark below. */
  brownMaxHue: 90,
  brownMinC: 8,
  darkBrownMaxL: 45,
  /** Blue-grey, darker than skin (L* below blueGreyMaxL): a blue hue (150-270 deg, C* >= 3) or a grey (C* < greyMaxC, L* below 60). */
  blueGreyMaxL: 70,
  greyMaxC: 6,
} as const;
export const COLOUR_MIN_SHARE = 0.05;

/** Steps of the sRGB decoding table: 1/4096 of the range, far finer than 8-bit input (1/255). */
const LIN_STEPS = 4096;
/** The IEC 61966-2-1 sRGB transfer curve, tabulated: three pow() per pixel made the colour count 3x slower. */
const LINEAR = Float64Array.from({ length: LIN_STEPS + 1 }, (_, i) => {
  const v = i / LIN_STEPS;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
});
const lin = (v: number): number => LINEAR[Math.round(Math.min(1, Math.max(0, v)) * LIN_STEPS)]!;

/** sRGB in [0, 1] to CIELAB (D65; IEC 61966-2-1 transfer curve, CIE 15:2004 formulas). */
export function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (841 / 108) * t + 4 / 29);
  const R = lin(r);
  const G = lin(g);
  const B = lin(b);
  const fx = f((0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047);
  const fy = f(0.2126 * R + 0.7152 * G + 0.0722 * B);
  const fz = f((0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** The dermoscopic colour of one colour-corrected pixel (CIELAB), or null for skin tones and in-betweens. */
export function dermoscopicColour(L: number, a: number, b: number): DermoscopicColour | null {
  const k = COLOUR_LIMITS;
  const c = Math.hypot(a, b);
  const h = ((Math.atan2(b, a) * 180) / Math.PI + 360) % 360;
  if (L < k.blackMaxL) return 'black';
  if (L >= k.whiteMinL && c < k.whiteMaxC) return 'white';
  if (c >= k.redMinC && (h >= k.redMinHue || h < k.redMaxHue) && L < k.redMaxL) return 'red';
  if (c >= k.brownMinC && h >= k.redMaxHue && h < k.brownMaxHue) return L >= k.darkBrownMaxL ? 'light brown' : 'dark brown';
  if (L < k.blueGreyMaxL && ((c >= 3 && h >= 150 && h < 270) || (c < k.greyMaxC && L >= k.blackMaxL && L < 60))) return 'blue-grey';
  return null;
}

/** Pixels whose mirror image about an axis through (cx, cy) with direction (ux, uy) falls outside the mask, over the area. */
function mirrorMismatch(mask: Uint8Array, w: number, h: number, cx: number, cy: number, ux: number, uy: number, area: number): number {
  let miss = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask[y * w + x] !== 1) continue;
      // Reflect p about the line: p' = 2 (c + ((p - c) . u) u) - p.
      const dx = x - cx;
      const dy = y - cy;
      const along = dx * ux + dy * uy;
      const rx = Math.round(cx + 2 * along * ux - dx);
      const ry = Math.round(cy + 2 * along * uy - dy);
      if (rx < 0 || ry < 0 || rx >= w || ry >= h || mask[ry * w + rx] !== 1) miss++;
    }
  }
  return miss / area;
}

/**
 * Asymmetry: the mask is mirrored about each of its two principal axes (through the
 * centroid, from the second moments); per axis, the fraction of lesion pixels whose mirror
 * image is not lesion; the mean of the two. 0 for a disc or an ellipse.
 */
export function asymmetry(mask: Uint8Array, w: number, h: number): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < w * h; i++) {
    if (mask[i] !== 1) continue;
    n++;
    sx += i % w;
    sy += Math.floor(i / w);
  }
  if (n === 0) return 0;
  const cx = sx / n;
  const cy = sy / n;
  let mxx = 0;
  let myy = 0;
  let mxy = 0;
  for (let i = 0; i < w * h; i++) {
    if (mask[i] !== 1) continue;
    const dx = (i % w) - cx;
    const dy = Math.floor(i / w) - cy;
    mxx += dx * dx;
    myy += dy * dy;
    mxy += dx * dy;
  }
  const theta = 0.5 * Math.atan2(2 * mxy, mxx - myy);
  const ux = Math.cos(theta);
  const uy = Math.sin(theta);
  const major = mirrorMismatch(mask, w, h, cx, cy, ux, uy, n);
  const minor = mirrorMismatch(mask, w, h, cx, cy, -uy, ux, n);
  return (major + minor) / 2;
}

/** The mask smoothed by a 3x3 binomial kernel, with a one-pixel skin margin around the frame. */
function smoothed(mask: Uint8Array, w: number, h: number): { v: Float32Array; W: number; H: number } {
  const W = w + 2;
  const H = h + 2;
  const at = (x: number, y: number) => (x >= 0 && y >= 0 && x < w && y < h ? mask[y * w + x]! : 0);
  const tmp = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) tmp[y * W + x] = (at(x - 2, y - 1) + 2 * at(x - 1, y - 1) + at(x, y - 1)) / 4;
  const v = new Float32Array(W * H);
  const t = (x: number, y: number) => (y >= 0 && y < H ? tmp[y * W + x]! : 0);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) v[y * W + x] = (t(x, y - 1) + 2 * t(x, y) + t(x, y + 1)) / 4;
  return { v, W, H };
}

/**
 * Perimeter of the mask's border: the length of the 0.5 iso-contour (marching squares with
 * linear interpolation; Lorensen and Cline, SIGGRAPH 1987) of the lightly smoothed mask.
 * Counting pixel edges would overstate a disc's perimeter by 4/pi, and an unsmoothed
 * staircase by about 6%; this stays within about 2% for discs of 20 pixels or more.
 */
export function contourPerimeter(mask: Uint8Array, w: number, h: number): number {
  const { v, W, H } = smoothed(mask, w, h);
  const iso = 0.5;
  let perimeter = 0;
  const cross = (v0: number, v1: number) => (iso - v0) / (v1 - v0);
  for (let y = 0; y < H - 1; y++) {
    for (let x = 0; x < W - 1; x++) {
      const a = v[y * W + x]!; // top-left
      const b = v[y * W + x + 1]!; // top-right
      const c = v[(y + 1) * W + x + 1]!; // bottom-right
      const d = v[(y + 1) * W + x]!; // bottom-left
      const ia = a >= iso;
      const ib = b >= iso;
      const ic = c >= iso;
      const id = d >= iso;
      if (ia === ib && ib === ic && ic === id) continue;
      // Crossing points on each edge that changes sign, in cell coordinates.
      const pts: Record<string, [number, number]> = {};
      if (ia !== ib) pts.top = [cross(a, b), 0];
      if (ib !== ic) pts.right = [1, cross(b, c)];
      if (id !== ic) pts.bottom = [cross(d, c), 1];
      if (ia !== id) pts.left = [0, cross(a, d)];
      const seg = (p: [number, number], q: [number, number]) => Math.hypot(p[0] - q[0], p[1] - q[1]);
      const keys = Object.keys(pts);
      if (keys.length === 2) {
        perimeter += seg(pts[keys[0]!]!, pts[keys[1]!]!);
      } else {
        // Saddle: the two inside corners are kept apart.
        perimeter += ia ? seg(pts.top!, pts.left!) + seg(pts.right!, pts.bottom!) : seg(pts.top!, pts.right!) + seg(pts.left!, pts.bottom!);
      }
    }
  }
  return perimeter;
}

/** Border irregularity: perimeter^2 / (4 pi area), 1 for a circle and larger for ragged or elongated borders. */
export function borderIrregularity(mask: Uint8Array, w: number, h: number): number {
  let area = 0;
  for (let i = 0; i < w * h; i++) area += mask[i]!;
  const perimeter = contourPerimeter(mask, w, h);
  return area > 0 ? (perimeter * perimeter) / (4 * Math.PI * area) : 0;
}

/** Convex hull (Andrew's monotone chain) of integer points. */
function hull(points: [number, number][]): [number, number][] {
  const pts = [...points].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  if (pts.length < 3) return pts;
  const cross = (o: [number, number], a: [number, number], b: [number, number]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: [number, number][] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/** Maximum Feret diameter: the longest distance between two lesion pixel centres, in mask pixels. */
export function maxFeret(mask: Uint8Array, w: number, h: number): number {
  const boundary: [number, number][] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask[y * w + x] !== 1) continue;
      const edge = x === 0 || y === 0 || x === w - 1 || y === h - 1 || !mask[y * w + x - 1] || !mask[y * w + x + 1] || !mask[(y - 1) * w + x] || !mask[(y + 1) * w + x];
      if (edge) boundary.push([x, y]);
    }
  }
  const hp = hull(boundary);
  let best = 0;
  for (let i = 0; i < hp.length; i++) {
    for (let j = i + 1; j < hp.length; j++) {
      const d = Math.hypot(hp[i]![0] - hp[j]![0], hp[i]![1] - hp[j]![1]);
      if (d > best) best = d;
    }
  }
  return best;
}

/** Shades-of-Gray colour constancy (p = 6) of a whole image, as RGB floats in [0, 1]. */
export function shadesOfGray(image: RgbImage, p = 6): Float32Array {
  const n = image.width * image.height;
  const out = new Float32Array(n * 3);
  const e = shadesOfGrayIlluminant((c, i) => image.data[i * 3 + c]! / 255, n, p);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.min(1, image.data[i * 3 + c]! / 255 / e[c]!);
  return out;
}

/** The dermoscopic colours present in the lesion (in DERMOSCOPIC_COLOURS order). */
export function lesionColours(image: RgbImage, mask: Uint8Array): DermoscopicColour[] {
  const counts = new Map<DermoscopicColour, number>();
  let n = 0;
  const rgb = shadesOfGray(image);
  for (let i = 0; i < image.width * image.height; i++) {
    if (mask[i] !== 1) continue;
    n++;
    const colour = dermoscopicColour(...srgbToLab(rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!));
    if (colour) counts.set(colour, (counts.get(colour) ?? 0) + 1);
  }
  if (n === 0) return [];
  return DERMOSCOPIC_COLOURS.filter((c) => (counts.get(c) ?? 0) / n >= COLOUR_MIN_SHARE);
}

/**
 * All features of one segmentation. Lengths are converted back to the original image's
 * pixels with the segmentation's scale (times `pixelScale`, original pixels per pixel of
 * the image that was segmented, when that was a downscaled copy), and to millimetres when
 * the dermoscope's scale (pixels per mm of the original image) is known.
 */
export function lesionFeatures(seg: Segmentation, pixelsPerMm?: number, pixelScale = 1): LesionFeatures {
  const { width: w, height: h } = seg.image;
  const empty = seg.areaFraction === 0;
  const colours = empty ? [] : lesionColours(seg.image, seg.mask);
  const diameterPx = empty ? 0 : (maxFeret(seg.mask, w, h) + 1) * seg.scale * pixelScale; // +1: from pixel edge to edge, not centre to centre
  return {
    areaFraction: seg.areaFraction,
    asymmetry: empty ? 0 : asymmetry(seg.mask, w, h),
    borderIrregularity: empty ? 0 : borderIrregularity(seg.mask, w, h),
    colourCount: colours.length,
    colours,
    diameterPx,
    diameterMm: pixelsPerMm !== undefined && pixelsPerMm > 0 ? diameterPx / pixelsPerMm : null,
    segmentationReliable: seg.reliable,
  };
}
