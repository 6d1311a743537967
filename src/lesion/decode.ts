/**
 * Decoding an upload for analysis: header checks first, pixels second, so a bad file is
 * refused with a reason a clinician can act on and memory stays bounded whatever arrives.
 *
 * Decisions, input by input (each has a test in decode.test.ts):
 * - not an image, corrupt, truncated, SVG/PDF  -> rejected 'unreadable' (nothing to look at;
 *   a vector drawing or document is never a dermoscopic photograph);
 * - width x height above `maxPixels` (a decompression bomb or a huge camera file) ->
 *   rejected 'too-large' from the header alone, before one pixel is decoded;
 * - shorter side below `minSide` -> rejected 'too-small' from the header (see MIN_SIDE);
 * - one grey channel (with or without alpha) -> rejected 'grayscale': the classifier and the
 *   colour features (the dermoscopic colours of ABCD) need colour. An RGB file whose three
 *   channels are equal is caught by quality.ts's colourfulness check, also as 'grayscale';
 * - CMYK -> converted to sRGB through libvips' CMYK profile, noted;
 * - 16 bits per channel -> scaled to 8 bits (the model was trained on 8-bit JPEGs), noted;
 * - alpha: fully opaque (a PNG export often carries an unused alpha channel) -> dropped,
 *   noted; more than TRANSPARENT_MAX_SHARE of the picture see-through (a cut-out or an
 *   edited image: part of the photograph is missing) -> rejected 'transparent'; a few
 *   see-through pixels (an anti-aliased corner) -> flattened onto black, where they look like
 *   a dermoscope's dark vignette rather than invented skin, noted;
 * - larger than `maxSide` on its longer side -> downscaled for analysis (shrink-on-load for
 *   JPEG keeps memory bounded), noted; originalWidth/originalHeight keep the true size so
 *   diameters in pixels can be given in the original's pixels.
 *
 * sharp does I/O-free work here (bytes in, pixels out), so this file stays an engine.
 */
import sharp, { type Metadata } from 'sharp';
import { noteText } from './notes.ts';
import type { RgbImage } from './preprocess.ts';
import { MAX_INPUT_PIXELS } from './preprocess.ts';
import { MIN_SIDE } from './quality.ts';

/** 8-bit sRGB RGB pixels, upright, with what was done to get them. */
export interface DecodedImage extends RgbImage {
  /** Conversions applied ("converted from CMYK", "16-bit reduced to 8-bit", ...). */
  notes: string[];
  /** Size of the file's image, upright (after EXIF orientation), before any downscale. */
  originalWidth: number;
  originalHeight: number;
}

export type DecodeRejection = 'unreadable' | 'too-large' | 'too-small' | 'grayscale' | 'transparent';
export type DecodeOutcome = { ok: true; image: DecodedImage } | { ok: false; reason: DecodeRejection; message: string };

export interface DecodeLimits {
  /** Most pixels (width x height) a file may declare; default MAX_INPUT_PIXELS (36 MP). */
  maxPixels?: number;
  /** Least shorter side in pixels; default MIN_SIDE. */
  minSide?: number;
  /** Longer side of the analysis copy; larger images are downscaled. Default 2048. */
  maxSide?: number;
}

/**
 * 2048 px: far above the model's 224 px input and the quality gate's 512 px working copy,
 * and 12 MB of RGB at most, so a 36 MP upload never holds 108 MB per request.
 */
export const DEFAULT_MAX_SIDE = 2048;

/**
 * Most of the picture that may be see-through (alpha below ALPHA_OPAQUE) before the image is
 * refused: 1 %, a thin anti-aliased edge or rounded corners, never a cut-out lesion.
 */
export const TRANSPARENT_MAX_SHARE = 0.01;
/** Alpha at or above which a pixel counts as opaque (about 98 %). */
const ALPHA_OPAQUE = 250;
/** Longer side of the copy the alpha channel is measured on: enough for a 1 % share, bounded memory. */
const ALPHA_SIDE = 512;

/** Raster formats a camera or dermatoscope writes; anything else sharp can open is refused. */
const PHOTO_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'heif', 'gif']);

/** libvips colour spaces of a single grey channel. */
const GREY_SPACES = new Set(['b-w', 'grey16']);

function reject(reason: DecodeRejection, message: string): DecodeOutcome {
  return { ok: false, reason, message };
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
}

/** Share of pixels that are not opaque, measured on a copy at most ALPHA_SIDE pixels long; null when undecodable. */
async function transparentShare(bytes: Uint8Array, maxPixels: number): Promise<number | null> {
  try {
    const { data } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' })
      .resize({ width: ALPHA_SIDE, height: ALPHA_SIDE, fit: 'inside', withoutEnlargement: true, kernel: 'nearest' })
      .extractChannel('alpha')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    let see = 0;
    for (const a of data) if (a < ALPHA_OPAQUE) see++;
    return data.length ? see / data.length : 0;
  } catch {
    return null;
  }
}

function formatShare(share: number): string {
  const pct = share * 100;
  return `${pct < 1 ? pct.toFixed(1) : Math.round(pct)} %`;
}

/**
 * Decode `bytes` for the lesion analysis. Never throws for a bad file: the outcome says
 * why it cannot be assessed.
 */
export async function decodeForAnalysis(bytes: Uint8Array, limits: DecodeLimits = {}): Promise<DecodeOutcome> {
  const maxPixels = limits.maxPixels ?? MAX_INPUT_PIXELS;
  const minSide = limits.minSide ?? MIN_SIDE;
  const maxSide = limits.maxSide ?? DEFAULT_MAX_SIDE;
  if (bytes.length === 0) {
    return reject('unreadable', 'The file is empty.');
  }

  // 1. Header only: no pixel is decoded before the size is known to be safe.
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    return reject('unreadable', `The file is not an image that can be read (${errorText(e)}).`);
  }
  const format = meta.format ?? 'unknown';
  if (!PHOTO_FORMATS.has(format)) {
    return reject('unreadable', `The file is ${format === 'svg' ? 'an SVG drawing' : `a ${format} file`}, not a photograph (JPEG, PNG, WebP, TIFF, HEIF).`);
  }
  const w0 = meta.width ?? 0;
  const h0 = meta.height ?? 0;
  if (w0 < 1 || h0 < 1) {
    return reject('unreadable', 'The image header declares no size.');
  }
  // EXIF orientations 5-8 turn the image a quarter: width and height swap once upright.
  const quarterTurn = (meta.orientation ?? 1) >= 5;
  const width = quarterTurn ? h0 : w0;
  const height = quarterTurn ? w0 : h0;
  if (width * height > maxPixels) {
    return reject(
      'too-large',
      `The image is ${width}×${height} pixels (${(width * height / 1e6).toFixed(1)} MP); the limit is ${(maxPixels / 1e6).toFixed(0)} MP. Export it at a smaller size.`,
    );
  }
  if (Math.min(width, height) < minSide) {
    return reject('too-small', `The image is ${width}×${height} pixels; its shorter side needs at least ${minSide} pixels. Retake it closer or at a higher resolution.`);
  }
  const channels = meta.channels ?? 0;
  const greyChannels = meta.hasAlpha ? channels - 1 : channels;
  if (GREY_SPACES.has(meta.space ?? '') || greyChannels === 1) {
    return reject('grayscale', 'The image is grayscale; the analysis needs a colour image.');
  }

  const notes: string[] = [];
  if (meta.space === 'cmyk') {
    notes.push(noteText({ kind: 'cmyk' }));
  }
  if (meta.depth !== undefined && meta.depth !== 'uchar' && meta.depth !== 'char') {
    notes.push(noteText({ kind: 'reduced-bit-depth', bits: meta.depth === 'ushort' || meta.depth === 'short' ? '16' : 'high' }));
  }
  if (meta.hasAlpha) {
    const share = await transparentShare(bytes, maxPixels);
    if (share === null) {
      return reject('unreadable', 'The image is corrupt or truncated: its transparency cannot be read.');
    }
    if (share > TRANSPARENT_MAX_SHARE) {
      return reject(
        'transparent',
        `${formatShare(share)} of the image is transparent, so part of the photograph is missing (a cut-out or an edited image). Upload the original photograph.`,
      );
    }
    notes.push(noteText(share > 0 ? { kind: 'alpha-flattened', transparent: formatShare(share) } : { kind: 'alpha-dropped' }));
  }
  const scale = Math.min(1, maxSide / Math.max(width, height));
  if (scale < 1) {
    notes.push(noteText({ kind: 'downscaled', width, height }));
  }

  // 2. Pixels. The same steps as preprocess.ts's decodeImage (EXIF rotation, sRGB, 8-bit),
  // so an ordinary file gives the same pixels on both paths.
  try {
    let pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' }).rotate();
    if (meta.hasAlpha) {
      pipeline = pipeline.flatten({ background: '#000000' });
    }
    if (scale < 1) {
      pipeline = pipeline.resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true });
    }
    const { data, info } = await pipeline.toColourspace('srgb').removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      return reject('unreadable', `The image decoded to ${info.channels} channels instead of RGB.`);
    }
    return {
      ok: true,
      image: {
        width: info.width,
        height: info.height,
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        notes,
        originalWidth: width,
        originalHeight: height,
      },
    };
  } catch (e) {
    return reject('unreadable', `The image is corrupt or truncated, or its encoding is not supported (${errorText(e)}).`);
  }
}
