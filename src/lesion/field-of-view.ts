/**
 * The dermatoscope's field of view. Many devices (phone attachments, camera adapters,
 * some contact dermatoscopes) deliver a round field on a black frame; when that field fills
 * only part of the frame, the lesion reaches the model smaller than anything it learned
 * from, and the quality gate measures the frame instead of the skin. Both are fixed by
 * cropping to the field first.
 *
 * Twin of `field_of_view` in training/lesion_preprocess.py (step 1b of the preprocessing):
 * integer arithmetic on the decoded pixels, so both sides find the same box (the parity test
 * in preprocess.test.ts holds them together). Pure.
 */
import type { DecodedImage } from './decode.ts';
import { reachableFromEdge } from './edge-flood.ts';
import { noteText } from './notes.ts';
import type { RgbImage } from './preprocess.ts';

/** A pixel is dark when its Rec. 709 luma is below this (0-255). */
export const FOV_DARK = 24;
/** A row or column is in the field when at least 1/FOV_LINE_SHARE (4 %) of it is not dark. */
const FOV_LINE_SHARE = 25;
/** Crop only when the field misses at least this share of the frame's width or height... */
const FOV_MIN_MISSING = 0.1;
/** ...and its shorter side is at least this share of the frame's (else: a dark photograph, the gate's to refuse). */
const FOV_MIN_FIELD = 0.3;

export interface Box {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Luma x 10000 with the integer weights the Python twin uses. */
function litAt(data: Uint8Array, i: number): boolean {
  return data[3 * i]! * 2126 + data[3 * i + 1]! * 7152 + data[3 * i + 2]! * 722 >= FOV_DARK * 10000;
}

/** The field's bounding box, or null when the whole frame is kept. */
export function fieldOfView(img: RgbImage): Box | null {
  const { width: w, height: h, data } = img;
  const rows = new Int32Array(h);
  const cols = new Int32Array(w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (litAt(data, y * w + x)) {
        rows[y]!++;
        cols[x]!++;
      }
    }
  }
  const first = (a: Int32Array, len: number) => a.findIndex((n) => n * FOV_LINE_SHARE >= len);
  const last = (a: Int32Array, len: number) => a.findLastIndex((n) => n * FOV_LINE_SHARE >= len);
  const top = first(rows, w);
  const left = first(cols, h);
  if (top < 0 || left < 0) return null;
  const height = last(rows, w) + 1 - top;
  const width = last(cols, h) + 1 - left;
  if (height > (1 - FOV_MIN_MISSING) * h && width > (1 - FOV_MIN_MISSING) * w) return null;
  if (Math.min(height, width) < FOV_MIN_FIELD * Math.min(h, w)) return null;
  return { top, left, height, width };
}

/** Copy of a rectangle of an image. */
export function cropImage<T extends RgbImage>(img: T, box: Box): T {
  const data = new Uint8Array(box.width * box.height * 3);
  for (let y = 0; y < box.height; y++) {
    const from = ((box.top + y) * img.width + box.left) * 3;
    data.set(img.data.subarray(from, from + box.width * 3), y * box.width * 3);
  }
  return { ...img, width: box.width, height: box.height, data };
}

/** The image cropped to its field of view (the same object when there is nothing to crop). */
export function cropToFieldOfView<T extends RgbImage>(img: T): { image: T; box: Box | null } {
  const box = fieldOfView(img);
  return box ? { image: cropImage(img, box), box } : { image: img, box: null };
}

/**
 * A decoded upload cropped to its field of view, for everything after decoding (quality
 * gate, content gate, model, segmentation, pictures). The original size shrinks with the crop,
 * so lengths in the file's own pixels and the too-small check stay true; a note says so.
 */
export function decodedFieldOfView(img: DecodedImage): DecodedImage {
  const { image, box } = cropToFieldOfView(img);
  if (!box) return img;
  const sx = img.originalWidth / img.width;
  const sy = img.originalHeight / img.height;
  const originalWidth = Math.round(box.width * sx);
  const originalHeight = Math.round(box.height * sy);
  return {
    ...image,
    originalWidth,
    originalHeight,
    notes: [...img.notes, noteText({ kind: 'field-of-view', width: originalWidth, height: originalHeight, ofWidth: img.originalWidth, ofHeight: img.originalHeight })],
  };
}

/** How far (pixels of a 224-256 px working copy) the frame mask reaches into a field's soft edge. */
const FIELD_EDGE = 6;

/**
 * The black frame around a dermatoscope's round field: dark pixels (luma below FOV_DARK)
 * connected to the image's edge, grown by FIELD_EDGE pixels over the field's soft edge.
 * A dark lesion inside the field is not connected to the edge, so it stays in. 1 = outside.
 */
export function outsideField(y: Float32Array, width: number, height: number): Uint8Array {
  const n = width * height;
  const frame = reachableFromEdge(width, height, (i) => y[i]! < FOV_DARK);
  if (!frame.includes(1)) return frame; // no frame: nothing to grow
  // Square dilation, one axis at a time.
  const grow = (src: Uint8Array, alongX: boolean): Uint8Array => {
    const out = new Uint8Array(n);
    for (let r = 0; r < height; r++) {
      for (let x = 0; x < width; x++) {
        if (!src[r * width + x]) continue;
        const lo = (alongX ? x : r) - FIELD_EDGE;
        const hi = (alongX ? x : r) + FIELD_EDGE;
        const lim = alongX ? width - 1 : height - 1;
        for (let k = Math.max(0, lo); k <= Math.min(lim, hi); k++) out[alongX ? r * width + k : k * width + x] = 1;
      }
    }
    return out;
  };
  return grow(grow(frame, true), false);
}

/**
 * Whether a frame mask is a dermatoscope's frame: it holds at least three of the four
 * corners. A dark lesion that touches one side of the picture is not a frame.
 */
export function isFrame(outside: Uint8Array, width: number, height: number): boolean {
  const corners = [0, width - 1, (height - 1) * width, height * width - 1];
  return corners.filter((i) => outside[i] === 1).length >= 3;
}
