/**
 * How much of a picture lies under hair: long thin dark lines. Pure; the content gate
 * (content-gate.ts) measures it on its 224 px crop to tell a hairy lesion from a picture of
 * something else.
 *
 * A pixel is under a thin dark line when a greyscale closing (segment.ts's greyClose, the
 * first step of DullRazor) lifts its luma by more than `lift` grey levels; the line is long
 * when its 8-connected run's bounding box spans at least `span` pixels corner to corner.
 * Hairs cross the picture; letters, cell nuclei and pores make short runs.
 */
import type { RgbImage } from './preprocess.ts';
import { lumaPlane } from './quality.ts';
import { components, greyClose } from './segment.ts';

export interface HairCoverOptions {
  /** Closing radius: lines up to 2r+1 pixels wide are lifted. */
  radius: number;
  /** Least lift, in 8-bit grey levels, for a pixel to count as under a line. */
  lift: number;
  /** Least bounding-box diagonal, in pixels, for a run to count as long. */
  span: number;
}

/** Share of the picture's pixels under long thin dark lines. */
export function longLineCover(img: RgbImage, { radius, lift, span }: HairCoverOptions): number {
  const { width: w, height: h } = img;
  const luma = lumaPlane(img);
  const closed = greyClose(luma, w, h, radius);
  const lines = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) if (closed[i]! - luma[i]! > lift) lines[i] = 1;
  const { labels, sizes } = components(lines, w, h);
  // Each run's bounding box.
  const minX = new Int32Array(sizes.length).fill(w);
  const minY = new Int32Array(sizes.length).fill(h);
  const maxX = new Int32Array(sizes.length).fill(-1);
  const maxY = new Int32Array(sizes.length).fill(-1);
  for (let i = 0; i < w * h; i++) {
    const id = labels[i]!;
    if (id === 0) continue;
    const x = i % w;
    const y = (i - x) / w;
    if (x < minX[id]!) minX[id] = x;
    if (x > maxX[id]!) maxX[id] = x;
    if (y < minY[id]!) minY[id] = y;
    if (y > maxY[id]!) maxY[id] = y;
  }
  let under = 0;
  for (let id = 1; id < sizes.length; id++) {
    if (Math.hypot(maxX[id]! - minX[id]!, maxY[id]! - minY[id]!) >= span) under += sizes[id]!;
  }
  return under / (w * h);
}
