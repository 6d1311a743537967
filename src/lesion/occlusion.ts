/**
 * Occlusion sensitivity (Zeiler and Fergus, "Visualizing and Understanding Convolutional
 * Networks", ECCV 2014): slide a grey patch over the model input and record how much the
 * melanoma probability drops when each region is hidden. Regions whose hiding lowers
 * P(mel) are the ones the model relied on for it. Pure: this file builds the occluded
 * tensors and turns their scores into a map; the analyzer runs the model.
 *
 * We map the drop in P(mel), not in the predicted class: the suggestion (refer, monitor)
 * rests on P(mel), so that is what a clinician needs explained. The patch is grey in the
 * sense of the dataset mean, which is 0 after ImageNet normalisation.
 */

/** Defaults: a 32-pixel patch every 16 pixels on the 224 input gives 13 x 13 = 169 occlusions. */
export const OCCLUSION_PATCH = 32;
export const OCCLUSION_STRIDE = 16;
/** Occluded tensors per model call: 32 x 3 x 224 x 224 floats is about 19 MB, so memory stays bounded. */
export const OCCLUSION_BATCH = 32;

export interface OcclusionGrid {
  size: number;
  patch: number;
  /** Top-left offsets along one axis (the same for rows and columns). */
  offsets: number[];
  /** offsets.length squared. */
  count: number;
}

/** Patch offsets covering the whole size x size input (the last one flush with the edge). */
export function occlusionGrid(size: number, patch = OCCLUSION_PATCH, stride = OCCLUSION_STRIDE): OcclusionGrid {
  if (!(Number.isInteger(size) && Number.isInteger(patch) && Number.isInteger(stride)) || patch < 1 || stride < 1 || patch > size) {
    throw new Error(`invalid occlusion grid: size ${size}, patch ${patch}, stride ${stride}`);
  }
  const offsets: number[] = [];
  for (let o = 0; o + patch <= size; o += stride) offsets.push(o);
  if (offsets[offsets.length - 1]! + patch < size) offsets.push(size - patch);
  return { size, patch, offsets, count: offsets.length ** 2 };
}

/**
 * Occlusions `start` .. `start + n - 1` (row-major over the grid) of one CHW tensor, laid
 * end to end: each a copy with its patch set to `fill` in all three channels.
 */
export function occludedBatch(chw: Float32Array, grid: OcclusionGrid, start: number, n: number, fill = 0): Float32Array {
  const { size, patch, offsets, count } = grid;
  const plane = size * size;
  if (chw.length !== 3 * plane) throw new Error(`expected a 3x${size}x${size} tensor, got ${chw.length} floats`);
  if (!Number.isInteger(start) || !Number.isInteger(n) || start < 0 || n < 1 || start + n > count) {
    throw new Error(`occlusions ${start}..${start + n - 1} are outside 0..${count - 1}`);
  }
  const out = new Float32Array(n * 3 * plane);
  for (let i = 0; i < n; i++) {
    const k = start + i;
    const top = offsets[Math.floor(k / offsets.length)]!;
    const left = offsets[k % offsets.length]!;
    const base = i * 3 * plane;
    out.set(chw, base);
    for (let c = 0; c < 3; c++) {
      for (let y = top; y < top + patch; y++) {
        const row = base + c * plane + y * size;
        out.fill(fill, row + left, row + left + patch);
      }
    }
  }
  return out;
}

/**
 * The occlusion map on the size x size input: at each pixel, the mean over the patches that
 * cover it of (baseline P(mel) - P(mel) with the patch hidden). Positive: hiding the region
 * lowers P(mel), so it supports melanoma; negative: it argues against.
 */
export function occlusionMap(baseline: number, scores: ArrayLike<number>, grid: OcclusionGrid): Float32Array {
  const { size, patch, offsets, count } = grid;
  if (scores.length !== count) throw new Error(`expected ${count} occlusion scores, got ${scores.length}`);
  const sum = new Float32Array(size * size);
  const hits = new Uint16Array(size * size);
  for (let k = 0; k < count; k++) {
    const top = offsets[Math.floor(k / offsets.length)]!;
    const left = offsets[k % offsets.length]!;
    const drop = baseline - scores[k]!;
    for (let y = top; y < top + patch; y++) {
      for (let x = left; x < left + patch; x++) {
        sum[y * size + x]! += drop;
        hits[y * size + x]! += 1;
      }
    }
  }
  for (let i = 0; i < size * size; i++) sum[i] = hits[i] ? sum[i]! / hits[i]! : 0;
  return sum;
}
