/**
 * The explanation overlays as RGB pixels (PNG encoding is pictures.ts's job). Pure.
 *
 * - Outline: the lesion mask's border drawn on the whole decoded image (not the model's
 *   centre crop), because the ABCD features are measured on the whole lesion.
 * - Heatmap: the occlusion map blended on the central square crop, exactly the region the
 *   model saw (preprocess.ts step 2); red where hiding a region lowered P(mel) (it supports
 *   melanoma), blue where hiding it raised P(mel), untinted where it made no difference.
 */
import type { RgbImage } from './preprocess.ts';
import { shrink, type Segmentation } from './segment.ts';

/** Longer side of an overlay picture: detailed enough to read, small enough to send as JSON. */
export const PICTURE_MAX_SIDE = 1024;

/** Outline colour: cyan, seen on skin, brown and red alike. */
export const OUTLINE_RGB: readonly [number, number, number] = [0, 230, 255];

/** Tints of the heatmap. */
const SUPPORTS: readonly [number, number, number] = [235, 30, 30];
const OPPOSES: readonly [number, number, number] = [30, 90, 255];
/** Largest tint opacity, so the lesion stays visible under the strongest region. */
const MAX_ALPHA = 0.65;
/**
 * A drop in P(mel) of 0.02 (two percentage points) or less is drawn faint: a map of
 * tiny drops is scaled to this floor instead of to its own maximum, so noise is not
 * painted as evidence.
 */
export const HEATMAP_MIN_SCALE = 0.02;

/**
 * Soften a map with two passes of a separable box blur of radius r (edges clamped): the
 * occlusion map is piecewise constant on the stride's 16-pixel cells, and a blur of half
 * the stride hides that grid without moving the regions.
 */
export function smoothMap(map: Float32Array, size: number, r: number): Float32Array {
  if (r < 1) return map;
  let cur = map;
  for (let pass = 0; pass < 2; pass++) {
    for (const horizontal of [true, false]) {
      const out = new Float32Array(size * size);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          let s = 0;
          for (let d = -r; d <= r; d++) {
            const xx = horizontal ? Math.min(Math.max(x + d, 0), size - 1) : x;
            const yy = horizontal ? y : Math.min(Math.max(y + d, 0), size - 1);
            s += cur[yy * size + xx]!;
          }
          out[y * size + x] = s / (2 * r + 1);
        }
      }
      cur = out;
    }
  }
  return cur;
}

/** The central square, as preprocess.ts crops it for the model (side = shorter side, offsets floored). */
export function centreSquare(img: RgbImage): RgbImage {
  const side = Math.min(img.width, img.height);
  const top = Math.floor((img.height - side) / 2);
  const left = Math.floor((img.width - side) / 2);
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    const from = ((top + y) * img.width + left) * 3;
    data.set(img.data.subarray(from, from + side * 3), y * side * 3);
  }
  return { width: side, height: side, data };
}

/** Bilinear sample of a w x h float grid at continuous coordinates (pixel centres at integers), edges clamped. */
function sample(grid: ArrayLike<number>, w: number, h: number, fx: number, fy: number): number {
  const x = Math.min(Math.max(fx, 0), w - 1);
  const y = Math.min(Math.max(fy, 0), h - 1);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(x0 + 1, w - 1);
  const y1 = Math.min(y0 + 1, h - 1);
  const ax = x - x0;
  const ay = y - y0;
  const top = (1 - ax) * grid[y0 * w + x0]! + ax * grid[y0 * w + x1]!;
  const bottom = (1 - ax) * grid[y1 * w + x0]! + ax * grid[y1 * w + x1]!;
  return (1 - ay) * top + ay * bottom;
}

/**
 * The outline picture: the decoded image shrunk to at most PICTURE_MAX_SIDE, the mask
 * (upsampled bilinearly, so its border is smooth) traced on it in OUTLINE_RGB.
 * An empty mask gives the image unmarked.
 */
export function outlineOverlay(img: RgbImage, seg: Segmentation, maxSide = PICTURE_MAX_SIDE): RgbImage {
  const { image: pic, scale: picScale } = shrink(img, maxSide);
  const { width: w, height: h } = pic;
  const mw = seg.image.width;
  const mh = seg.image.height;
  const inside = new Uint8Array(w * h);
  const ratio = picScale / seg.scale; // mask pixels per picture pixel
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      inside[y * w + x] = sample(seg.mask, mw, mh, (x + 0.5) * ratio - 0.5, (y + 0.5) * ratio - 0.5) >= 0.5 ? 1 : 0;
    }
  }
  const out = new Uint8Array(pic.data);
  const thick = Math.max(1, Math.round(Math.max(w, h) / 300));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!inside[y * w + x]) continue;
      // A border pixel: inside, with an outside pixel within `thick` (the frame's edge does not count).
      let border = false;
      for (let dy = -thick; dy <= thick && !border; dy++) {
        for (let dx = -thick; dx <= thick; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < w && yy < h && !inside[yy * w + xx]) {
            border = true;
            break;
          }
        }
      }
      if (border) out.set(OUTLINE_RGB, (y * w + x) * 3);
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * The heatmap picture: `map` (mapSize x mapSize, the occlusion map on the model input)
 * upsampled bilinearly onto the central square of `img` (shrunk to at most maxSide) and
 * blended in: opacity grows with |drop| / scale, scale = max(|drop| over the map, HEATMAP_MIN_SCALE).
 * `smooth` is the blur radius in map pixels (default: half the 16-pixel occlusion stride at 224).
 */
export function heatmapOverlay(img: RgbImage, rawMap: Float32Array, mapSize: number, maxSide = PICTURE_MAX_SIDE, smooth = Math.round(mapSize / 28)): RgbImage {
  if (rawMap.length !== mapSize * mapSize) throw new Error(`expected a ${mapSize}x${mapSize} map, got ${rawMap.length} values`);
  const map = smoothMap(rawMap, mapSize, smooth);
  const { image: pic } = shrink(centreSquare(img), maxSide);
  const side = pic.width;
  let peak = 0;
  for (let i = 0; i < map.length; i++) peak = Math.max(peak, Math.abs(map[i]!));
  const scale = Math.max(peak, HEATMAP_MIN_SCALE);
  const out = new Uint8Array(pic.data);
  const ratio = mapSize / side;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const v = sample(map, mapSize, mapSize, (x + 0.5) * ratio - 0.5, (y + 0.5) * ratio - 0.5) / scale;
      const a = MAX_ALPHA * Math.min(1, Math.abs(v));
      if (a === 0) continue;
      const tint = v > 0 ? SUPPORTS : OPPOSES;
      const i = (y * side + x) * 3;
      for (let c = 0; c < 3; c++) out[i + c] = Math.round((1 - a) * pic.data[i + c]! + a * tint[c]!);
    }
  }
  return { width: side, height: side, data: out };
}
