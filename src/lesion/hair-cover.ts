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
import { components, greyClose } from './segment.ts';

export interface HairCoverOptions {
  /** Closing radius: lines up to 2r+1 pixels wide are lifted. */
  radius: number;
  /** Least lift, in 8-bit grey levels, for a pixel to count as under a line. */
  lift: number;
  /** Least bounding-box diagonal, in pixels, for a run to count as long. */
  span: number;
}

/** Share of the pixels of a `width` x `height` RGB (8-bit, interleaved) picture under long thin dark lines. */
export function longLineCover(rgb: Uint8Array, width: number, height: number, { radius, lift, span }: HairCoverOptions): number {
  const plane = width * height;
  const luma = new Float32Array(plane);
  for (let i = 0; i < plane; i++) luma[i] = 0.299 * rgb[3 * i]! + 0.587 * rgb[3 * i + 1]! + 0.114 * rgb[3 * i + 2]!;
  const closed = greyClose(luma, width, height, radius);
  const lines = new Uint8Array(plane);
  for (let i = 0; i < plane; i++) if (closed[i]! - luma[i]! > lift) lines[i] = 1;
  const { labels, sizes } = components(lines, width, height);
  // Each run's bounding box: minX, minY, maxX, maxY.
  const box = new Int32Array(4 * sizes.length).fill(-1);
  for (let i = 0; i < plane; i++) {
    const id = labels[i]!;
    if (id === 0) continue;
    const x = i % width;
    const y = (i - x) / width;
    const b = 4 * id;
    if (box[b] === -1) box.set([x, y, x, y], b);
    else box.set([Math.min(box[b]!, x), Math.min(box[b + 1]!, y), Math.max(box[b + 2]!, x), Math.max(box[b + 3]!, y)], b);
  }
  let under = 0;
  for (let id = 1; id < sizes.length; id++) {
    if (Math.hypot(box[4 * id + 2]! - box[4 * id]!, box[4 * id + 3]! - box[4 * id + 1]!) >= span) under += sizes[id]!;
  }
  return under / plane;
}
