/**
 * Image -> model input, step for step the same as training/lesion_preprocess.py:
 *
 * 1. decode to 8-bit sRGB with sharp, EXIF orientation applied, alpha dropped;
 * 1b. a round field on a black frame that fills only part of it is cropped to its bounding
 *    box (field-of-view.ts);
 * 2. central square crop (side = shorter side, offset floor((long - short) / 2));
 * 3. when the square is at least twice the target, average k x k blocks (k = side // size);
 * 4. bilinear resize to size x size, half-pixel centres, no antialias (torch's
 *    `interpolate(..., mode='bilinear', align_corners=False)`);
 * 5. /255, Shades-of-Gray colour constancy (p = 6; Finlayson & Trezzi 2004; Barata et al.,
 *    IEEE JBHI 2015), clipped to [0, 1];
 * 6. ImageNet mean/std, CHW float32.
 *
 * Steps 2-6 are written out here rather than left to sharp's resize, because sharp's and
 * PIL's kernels differ and the model must see exactly what it was trained on (the parity
 * test in preprocess.test.ts holds the two sides together).
 */
import sharp from 'sharp';
import { invalidField } from '../platform/errors.ts';
import { shadesOfGrayIlluminant } from './colour-constancy.ts';
import { cropToFieldOfView } from './field-of-view.ts';

/** The preprocessing numbers, as the model card states them. */
export interface PreprocessSpec {
  size: number;
  ccP: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** Defaults for the shipped model; the runner takes them from the card. */
export const DEFAULT_SPEC: PreprocessSpec = { size: 224, ccP: 6, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** Interleaved 8-bit RGB pixels. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Upper bound on decoded pixels: about 100 MB of RGB, so a decompression bomb is refused. */
export const MAX_INPUT_PIXELS = 36_000_000;

/**
 * Decode any image sharp reads into 8-bit sRGB, upright per EXIF. A file that does not
 * decode is a bad input of the `image` field, not a crash.
 */
export async function decodeImage(bytes: Uint8Array, field = 'image'): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new Error(`decoded to ${info.channels} channels`);
    }
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw invalidField(field, `cannot be decoded as an image (${reason})`);
  }
}

/** Steps 2-3: the central square as float RGB planes, box-shrunk when much larger than `size`. */
function centreSquare(img: RgbImage, size: number): { side: number; planes: Float32Array } {
  const side0 = Math.min(img.width, img.height);
  const top = Math.floor((img.height - side0) / 2);
  const left = Math.floor((img.width - side0) / 2);
  const k = Math.floor(side0 / size);
  const box = k >= 2 ? k : 1;
  const side = Math.floor(side0 / box);
  const planes = new Float32Array(3 * side * side);
  const area = box * box;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let dy = 0; dy < box; dy++) {
          const row = (top + y * box + dy) * img.width;
          for (let dx = 0; dx < box; dx++) {
            sum += img.data[(row + left + x * box + dx) * 3 + c]!;
          }
        }
        planes[c * side * side + y * side + x] = sum / area;
      }
    }
  }
  return { side, planes };
}

/** Source index pair and weight of one output coordinate, as torch computes them. */
function axisWeights(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w1: Float32Array } {
  const scale = inSize / outSize;
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float32Array(outSize);
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(scale * (d + 0.5) - 0.5, 0);
    const lo = Math.floor(src);
    i0[d] = lo;
    i1[d] = lo < inSize - 1 ? lo + 1 : lo;
    w1[d] = src - lo;
  }
  return { i0, i1, w1 };
}

/** Steps 1b-6 on decoded pixels: a CHW Float32Array of 3 * size * size values. */
export function toModelInput(img: RgbImage, spec: PreprocessSpec = DEFAULT_SPEC): Float32Array {
  return fieldToModelInput(cropToFieldOfView(img).image, spec);
}

/**
 * Steps 2-6 on an image already cropped to its field of view (field-of-view.ts; the analyzer
 * crops once, right after decoding): step 1b would find nothing more to crop.
 */
export function fieldToModelInput(img: RgbImage, spec: PreprocessSpec = DEFAULT_SPEC): Float32Array {
  if (img.width < 1 || img.height < 1 || img.data.length !== img.width * img.height * 3) {
    throw invalidField('image', `has ${img.data.length} bytes for ${img.width}x${img.height} RGB`);
  }
  const { size } = spec;
  const { side, planes } = centreSquare(img, size);
  const ax = axisWeights(side, size);
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const src = c * side * side;
    for (let y = 0; y < size; y++) {
      const wy1 = ax.w1[y]!;
      const r0 = src + ax.i0[y]! * side;
      const r1 = src + ax.i1[y]! * side;
      for (let x = 0; x < size; x++) {
        const wx1 = ax.w1[x]!;
        const x0 = ax.i0[x]!;
        const x1 = ax.i1[x]!;
        const top = (1 - wx1) * planes[r0 + x0]! + wx1 * planes[r0 + x1]!;
        const bottom = (1 - wx1) * planes[r1 + x0]! + wx1 * planes[r1 + x1]!;
        const v = ((1 - wy1) * top + wy1 * bottom) / 255;
        out[c * plane + y * size + x] = Math.min(Math.max(v, 0), 1);
      }
    }
  }
  colourConstancy(out, plane, spec.ccP);
  for (let c = 0; c < 3; c++) {
    const m = spec.mean[c]!;
    const s = spec.std[c]!;
    for (let i = c * plane; i < (c + 1) * plane; i++) {
      out[i] = (out[i]! - m) / s;
    }
  }
  return out;
}

/** Step 5 in place: divide each channel by its Shades-of-Gray illuminant estimate. */
function colourConstancy(x: Float32Array, plane: number, p: number): void {
  const e = shadesOfGrayIlluminant((c, i) => Math.max(x[c * plane + i]!, 0), plane, p);
  for (let c = 0; c < 3; c++) {
    const gain = Math.fround(e[c]!);
    for (let i = c * plane; i < (c + 1) * plane; i++) {
      x[i] = Math.min(Math.max(x[i]! / gain, 0), 1);
    }
  }
}

/** Decode and preprocess in one call. */
export async function preprocessImage(bytes: Uint8Array, spec: PreprocessSpec = DEFAULT_SPEC): Promise<{ tensor: Float32Array; width: number; height: number }> {
  const img = await decodeImage(bytes);
  return { tensor: toModelInput(img, spec), width: img.width, height: img.height };
}
