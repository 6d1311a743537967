/**
 * ABCD features of a segmented lesion, measured rather than scored: Stolz et al., "ABCD
 * rule of dermatoscopy", Eur J Dermatol 4:521-527, 1994 (Asymmetry, Border, Colours,
 * Differential structures; diameter added as in the clinical ABCDE mnemonic, Abbasi et
 * al., JAMA 292:2771-2776, 2004). Pure.
 */
import type { RgbImage } from './preprocess.ts';
import type { Segmentation } from './segment.ts';
import type { LesionFeatures } from './types.ts';

/**
 * The six dermoscopic colours of the ABCD rule (Stolz 1994; Argenziano et al., J Am Acad
 * Dermatol 39:421-426, 1998), as reference RGB values in [0, 1] after Kasmi and Mokrani,
 * "Classification of malignant melanoma and benign skin lesions: implementation of
 * automatic ABCD rule", IET Image Processing 10(6):448-455, 2016 (values as we read them there).
 */
export const DERMOSCOPIC_COLOURS = [
  { name: 'white', rgb: [1, 1, 1] },
  { name: 'red', rgb: [0.8, 0.2, 0.2] },
  { name: 'light brown', rgb: [0.6, 0.4, 0] },
  { name: 'dark brown', rgb: [0.2, 0, 0] },
  { name: 'blue-grey', rgb: [0.2, 0.6, 0.6] },
  { name: 'black', rgb: [0, 0, 0] },
] as const;

/**
 * Colour rule (the thresholds are ours, not the papers'): the working image is first
 * colour-corrected with Shades-of-Gray (p = 6, as the model's preprocessing; Finlayson and
 * Trezzi 2004), so a dermoscope's warm or pink cast does not turn every brown "red" (on 34
 * HAM10000 and ISIC 2017 images, "red" fell from 23 to 12 lesions with it). Then a lesion
 * pixel takes the nearest reference colour (Euclidean RGB in [0, 1]) when within
 * COLOUR_MAX_DISTANCE of it, else none (skin tone or in between); a colour is present when
 * at least COLOUR_MIN_SHARE of the lesion's pixels take it, so stray pixels do not count.
 * Indicative only: no colour ground truth was available to validate it.
 */
export const COLOUR_MAX_DISTANCE = 0.35;
export const COLOUR_MIN_SHARE = 0.05;

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
  const e = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += (image.data[i * 3 + c]! / 255) ** p;
    e[c] = Math.max((acc / n) ** (1 / p), 1e-6);
  }
  const rms = Math.sqrt((e[0]! ** 2 + e[1]! ** 2 + e[2]! ** 2) / 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.min(1, image.data[i * 3 + c]! / 255 / (e[c]! / rms));
  return out;
}

/** The dermoscopic colours present in the lesion (in DERMOSCOPIC_COLOURS order). */
export function lesionColours(image: RgbImage, mask: Uint8Array): string[] {
  const counts = new Array<number>(DERMOSCOPIC_COLOURS.length).fill(0);
  let n = 0;
  const max2 = COLOUR_MAX_DISTANCE ** 2;
  const rgb = shadesOfGray(image);
  for (let i = 0; i < image.width * image.height; i++) {
    if (mask[i] !== 1) continue;
    n++;
    const r = rgb[i * 3]!;
    const g = rgb[i * 3 + 1]!;
    const b = rgb[i * 3 + 2]!;
    let best = -1;
    let bestD = Infinity;
    DERMOSCOPIC_COLOURS.forEach((c, k) => {
      const d = (r - c.rgb[0]) ** 2 + (g - c.rgb[1]) ** 2 + (b - c.rgb[2]) ** 2;
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    });
    if (bestD <= max2) counts[best]! += 1;
  }
  if (n === 0) return [];
  return DERMOSCOPIC_COLOURS.filter((_, k) => counts[k]! / n >= COLOUR_MIN_SHARE).map((c) => c.name);
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
