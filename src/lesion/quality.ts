/**
 * The quality gate: can this image be assessed at all? Pure arithmetic on decoded pixels.
 * Every measurement is a QualityCheck with its limit, so a clinician sees why an image was
 * refused ("sharpness 0.21, needs at least 0.33") and what to do about it.
 *
 * All measurements run on one working copy: the image area-averaged so its shorter side is
 * at most 224 px, the side of the model's input. That fixes the scale of the sharpness
 * measure (a 12 MP photo and a 600 px export of it measure the same) and keeps the gate
 * cheap (about 50k pixels whatever the upload).
 *
 * LIMITS were calibrated on real dermoscopy by scripts/measure-quality-gate.ts; the measured
 * false- and true-rejection rates are in CALIBRATION below.
 */
import type { DecodedImage } from './decode.ts';
import type { QualityCheck, QualityReport, RejectionReason } from './types.ts';
import { REJECTION_REASONS } from './types.ts';
import type { RgbImage } from './preprocess.ts';
import { shadesOfGrayIlluminant } from './colour-constancy.ts';
import { outsideField } from './field-of-view.ts';

/**
 * Least shorter side, in pixels. The model's input is 224 px; a shorter side of 112 px
 * means upsampling by 2x, beyond which the model sees interpolation rather than structure.
 * HAM10000, the training set, is 200x150 (1.5x), so its images pass.
 */
export const MIN_SIDE = 112;

/** Shorter side of the working copy: the model's input side (DEFAULT_SPEC.size). */
export const WORKING_SIDE = 224;

/**
 * The limits. Each sits just outside what real dermoscopy shows; the percentiles quoted are
 * of the FIT sample of scripts/measure-quality-gate.ts (seed 20261128: 1,000 HAM10000 and
 * 1,000 ISIC 2017 images, one per lesion).
 */
export const LIMITS = {
  /**
   * Hasler & Süsstrunk colourfulness M (dark images brought to mid-grey first), at least.
   * Grey is 0; real dermoscopy: 0.1th percentile 8.1. Their "not colourful" class is M < 15.
   */
  colourfulness: 4,
  /** 1 - Crete blur effect (inside the field), at least. Real: 0.1th percentile 0.373, 0.5th 0.464. */
  sharpness: 0.33,
  /** Fraction of pixels with luma >= 250, at most. Real: 99.9th percentile 0.208 (glare, white gel). */
  highlightClipping: 0.35,
  /** Mean luma (0-255), at most. Real: 99.9th percentile 225.9. */
  brightnessMax: 235,
  /** Mean luma (0-255) of the central region, at least. Real: 0.1th percentile 35.2. */
  brightnessMin: 35,
  /** Fraction of the central region at luma <= 5, at most. Real: 99.9th percentile 0.019. */
  shadowClipping: 0.25,
  /**
   * Fraction of hued pixels with a warm hue (skin, red, brown) once the light's colour cast
   * is removed (neutralLightGains), at least. Real: 0.1th percentile 0.175. Weak on its own,
   * so the limit only refuses pictures with almost no warm colour (sky, foliage, a blue
   * screen); the content gate (content-gate.ts) does the rest.
   */
  skinTone: 0.02,
} as const;

/*
 * CALIBRATION (npx tsx scripts/measure-quality-gate.ts --fit; seed 20261128; quality.ts
 * limits above plus the content gate of models/image-gate/config.json, learned on FIT;
 * measured 2026-11-28 with the float32 gate network, each image cropped to its field of
 * view first as the analyzer does, sharpness inside the field, hue under neutral light):
 *
 * False rejections on EVAL (a disjoint 1,000 + 1,000 images, one per lesion):
 *   all 0.25% (5/2000): HAM10000 0.3% (3/1000), ISIC 2017 0.2% (2/1000)
 *   by reason: blurred 1, under-exposed 1, content gate 3
 *   (before the field mask, the neutral-light hue and the gate's hairless second look:
 *   0.45%, 9/2000)
 *
 * True rejections on degraded EVAL copies (400 images; any reason / the expected one).
 * Blur sigma is in pixels of the 150-256 px images, so sigma 2 is already a heavy blur:
 *   Gaussian blur sigma 1      0.5% / 0.3%       exposure x1.5   39.3% / 39.0%
 *   Gaussian blur sigma 1.5    5.5% / 5.0%       exposure x2     92.3% / 89.3%
 *   Gaussian blur sigma 2     33.3% / 33.0%      exposure x3     99.8% / 86.3%
 *   Gaussian blur sigma 3     78.5% / 78.3%      exposure x0.4    8.3% / 7.0%
 *   Gaussian blur sigma 5     90.0% / 89.5%      exposure x0.25  57.0% / 54.5%
 *   R = G = B                100%   / 100%       exposure x0.15 100%   / 94.3%
 *
 * Other devices (training/acquisition_shift.py; 636 test-split images, training/README.md):
 * a round contact field on black 0.6% refused (25% before the field mask, as blurred), a
 * phone attachment's field 0.6% (35%), a bluish light 0.6% (4.7%, as not dermoscopic),
 * 8 synthetic hairs 4.9% (19%, as not dermoscopic), 25 hairs 30% (72%).
 *
 * Non-dermoscopic pictures: 19 of 22 refused (decode, quality or content gate): the cat,
 * the faces (astronaut, Grace Hopper), coffee, a motorcycle, a palace, a flower, a
 * histology slide, a dark screen, a cream page ("web site"), grayscale photos and scans, a
 * white letter (refused as over-exposed: clipping comes first in REJECTION_REASONS order).
 * Accepted: a fundus photo (retina), a rocket launch, a logo: reddish, textured or on
 * classes that dermoscopy also lands on. The gate is a guard against mistakes,
 * not an out-of-distribution detector. Tried and left out (2026-11-28): a Mahalanobis
 * distance on the gate's log-probabilities over its dermoscopy classes, fitted on 1,205
 * HAM10000/ISIC images, refuses those three at a limit above 99.9 % of the real images, but
 * it also refused 10-14 % of the round-field and phone-attachment copies (acquisition_shift)
 * that the gate now accepts: it learns these two sources' look, and would turn away the other
 * clinics' devices the model must serve.
 */

/** Which rejection reason each check stands for. */
export const CHECK_REASONS: Record<string, RejectionReason> = {
  'shorter-side': 'too-small',
  colourfulness: 'grayscale',
  sharpness: 'blurred',
  'highlight-clipping': 'over-exposed',
  'brightness-max': 'over-exposed',
  'brightness-min': 'under-exposed',
  'shadow-clipping': 'under-exposed',
  'skin-tone': 'not-dermoscopic',
};

/** What the clinician can do about each reason. */
const ADVICE: Record<RejectionReason, string> = {
  unreadable: 'upload the original photograph',
  'too-large': 'export it at a smaller size',
  'too-small': 'retake it closer or at a higher resolution',
  grayscale: 'retake it in colour',
  transparent: 'upload the original photograph',
  blurred: 'refocus and retake',
  'over-exposed': 'reduce the light or exposure and retake',
  'under-exposed': 'add light or exposure and retake',
  'not-dermoscopic': 'upload a dermoscopic image of the lesion',
  'hair-obscured': 'part or trim the hair over the lesion, or flatten it with immersion fluid, and retake',
};

/** The raw measurements, before limits (the calibration script reads them too). */
export interface QualityMeasures {
  shorterSide: number;
  colourfulness: number;
  sharpness: number;
  highlightClipping: number;
  brightness: number;
  centreBrightness: number;
  shadowClipping: number;
  skinTone: number;
}

/** Area-average an RGB image so its shorter side is at most `side` (never enlarges). */
export function workingCopy(img: RgbImage, side = WORKING_SIDE): RgbImage {
  const s = Math.min(img.width, img.height);
  if (s <= side) {
    return img;
  }
  const w = Math.max(1, Math.round((img.width * side) / s));
  const h = Math.max(1, Math.round((img.height * side) / s));
  const horizontal = areaResizeAxis(img.data, img.width, img.height, w, true);
  return { width: w, height: h, data: toBytes(areaResizeAxis(horizontal, w, img.height, h, false)) };
}

/** One axis of an exact area-average resize (each output pixel = mean of the input area it covers). */
function areaResizeAxis(src: ArrayLike<number>, width: number, height: number, out: number, alongX: boolean): Float32Array {
  const inLen = alongX ? width : height;
  const ratio = inLen / out;
  const res = new Float32Array(alongX ? out * height * 3 : width * out * 3);
  for (let o = 0; o < out; o++) {
    const start = o * ratio;
    const end = start + ratio;
    for (let i = Math.floor(start); i < Math.min(Math.ceil(end), inLen); i++) {
      const wgt = (Math.min(end, i + 1) - Math.max(start, i)) / ratio;
      if (wgt <= 0) continue;
      if (alongX) {
        for (let y = 0; y < height; y++) {
          const si = (y * width + i) * 3;
          const di = (y * out + o) * 3;
          res[di]! += src[si]! * wgt;
          res[di + 1]! += src[si + 1]! * wgt;
          res[di + 2]! += src[si + 2]! * wgt;
        }
      } else {
        for (let x = 0; x < width; x++) {
          const si = (i * width + x) * 3;
          const di = (o * width + x) * 3;
          res[di]! += src[si]! * wgt;
          res[di + 1]! += src[si + 1]! * wgt;
          res[di + 2]! += src[si + 2]! * wgt;
        }
      }
    }
  }
  return res;
}

function toBytes(f: Float32Array): Uint8Array {
  const out = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(f[i]!)));
  return out;
}

/** Rec. 709 luma of gamma-encoded RGB. */
export function lumaPlane(img: RgbImage): Float32Array {
  const n = img.width * img.height;
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = 0.2126 * img.data[3 * i]! + 0.7152 * img.data[3 * i + 1]! + 0.0722 * img.data[3 * i + 2]!;
  }
  return y;
}

/**
 * Colourfulness M of Hasler & Süsstrunk, "Measuring colourfulness in natural images",
 * Proc. SPIE 5007 (2003): sqrt(sd_rg^2 + sd_yb^2) + 0.3 sqrt(mean_rg^2 + mean_yb^2), with
 * rg = R - G and yb = (R + G) / 2 - B. Zero for any grey image, whatever its channels.
 */
export function colourfulness(img: RgbImage): number {
  const n = img.width * img.height;
  let srg = 0;
  let syb = 0;
  let srg2 = 0;
  let syb2 = 0;
  for (let i = 0; i < n; i++) {
    const r = img.data[3 * i]!;
    const g = img.data[3 * i + 1]!;
    const b = img.data[3 * i + 2]!;
    const rg = r - g;
    const yb = 0.5 * (r + g) - b;
    srg += rg;
    syb += yb;
    srg2 += rg * rg;
    syb2 += yb * yb;
  }
  const mrg = srg / n;
  const myb = syb / n;
  const vrg = Math.max(srg2 / n - mrg * mrg, 0);
  const vyb = Math.max(syb2 / n - myb * myb, 0);
  return Math.sqrt(vrg + vyb) + 0.3 * Math.sqrt(mrg * mrg + myb * myb);
}

/**
 * Crete-Roffet, Dolmiere, Ladret & Nicolas, "The blur effect: perception and estimation with
 * a new no-reference perceptual blur metric", Proc. SPIE 6492 (2007): re-blur the image with
 * a 9-tap mean filter along each axis and measure how much of its neighbour-to-neighbour
 * variation the re-blur removes. A sharp image loses much (blur effect near 0), a blurred
 * one little (near 1). Contrast-independent, which matters for low-contrast skin.
 * Returns the larger (worse) of the two axes' blur effects (an axis with no variation at all
 * is left out). Pixels flagged in `outside` (the black frame around a dermatoscope's field,
 * see outsideField) are left out with every difference whose filter window reaches them: the
 * soft edge of a round field is a smooth ramp that would otherwise read as blur.
 */
export function blurEffect(y: Float32Array, width: number, height: number, taps = 9, outside: Uint8Array | null = null): number {
  let worst = 0;
  let measured = 0;
  for (const alongX of [true, false]) {
    const len = alongX ? width : height;
    const lines = alongX ? height : width;
    const step = alongX ? 1 : width;
    const stride = alongX ? width : 1;
    if (len < taps + 2) continue;
    let sF = 0;
    let sV = 0;
    const line = new Float32Array(len);
    const blurred = new Float32Array(len);
    // outsideBefore[i]: outside pixels among the first i of the line.
    const outsideBefore = new Int32Array(len + 1);
    const half = Math.floor(taps / 2);
    for (let l = 0; l < lines; l++) {
      for (let i = 0; i < len; i++) {
        line[i] = y[l * stride + i * step]!;
        outsideBefore[i + 1] = outsideBefore[i]! + (outside ? outside[l * stride + i * step]! : 0);
      }
      // Mean filter with edge replication (the paper's low-pass "blur" of the image).
      for (let i = 0; i < len; i++) {
        let s = 0;
        for (let k = -half; k <= half; k++) s += line[Math.min(len - 1, Math.max(0, i + k))]!;
        blurred[i] = s / taps;
      }
      // Skip the filter's border so edge replication does not count as detail.
      for (let i = half + 1; i < len - half; i++) {
        // Both filter windows of the difference, pixels i - half - 1 to i + half, inside the field.
        if (outside && outsideBefore[i + half + 1]! - outsideBefore[i - half - 1]! > 0) continue;
        const dF = Math.abs(line[i]! - line[i - 1]!);
        const dB = Math.abs(blurred[i]! - blurred[i - 1]!);
        sF += dF;
        sV += Math.max(0, dF - dB);
      }
    }
    if (sF > 0) {
      worst = Math.max(worst, (sF - sV) / sF);
      measured++;
    }
  }
  // No variation along either axis: a flat image, no detail at all.
  return measured ? worst : 1;
}

/**
 * Largest correction of one channel's light (and 1/CAST_MAX the smallest): a dermatoscope's
 * blue or yellow light needs about 1.2 (R x0.85, B x1.15 measured on 636 test images: at most
 * 1.22); a blue sky with green foliage would need about 1.7 to pass for skin.
 */
const CAST_MAX = 1.35;

/**
 * Per-channel gains that remove the light's colour cast: the inverse of the Shades-of-Gray
 * illuminant estimate (p = 6), the correction the model's preprocessing applies
 * (preprocess.ts, step 5), limited to CAST_MAX either way.
 */
export function neutralLightGains(img: RgbImage, p = 6): [number, number, number] {
  const e = shadesOfGrayIlluminant((c, i) => img.data[3 * i + c]! / 255, img.width * img.height, p);
  const limit = (g: number) => Math.min(CAST_MAX, Math.max(1 / CAST_MAX, g));
  return [limit(1 / e[0]), limit(1 / e[1]), limit(1 / e[2])];
}

/**
 * The frame mask for the sharpness measure, or null when nine tenths of the picture or more
 * is frame: there is no field to speak of, and the exposure checks say what is wrong.
 */
function fieldMask(y: Float32Array, width: number, height: number): Uint8Array | null {
  const outside = outsideField(y, width, height);
  let n = 0;
  for (const v of outside) n += v;
  return n >= 0.9 * outside.length ? null : outside;
}

/** Hue (HSV, degrees) in [290, 360) or [0, 75]. */
function isWarm(r: number, g: number, b: number, max: number, min: number): boolean {
  const c = max - min;
  let h: number;
  if (max === r) h = (60 * (g - b)) / c;
  else if (max === g) h = 120 + (60 * (b - r)) / c;
  else h = 240 + (60 * (r - g)) / c;
  if (h < 0) h += 360;
  return h >= 290 || h <= 75;
}

/** Measure a (working-copy sized) image. Exported for the calibration script. */
export function measureQuality(img: DecodedImage | RgbImage): QualityMeasures {
  const shorterSide = 'originalWidth' in img ? Math.min(img.originalWidth, img.originalHeight) : Math.min(img.width, img.height);
  const wc = workingCopy(img);
  const { width, height, data } = wc;
  const y = lumaPlane(wc);
  const n = width * height;
  // The central region (middle half of each side): where a dermoscopic image puts the lesion,
  // clear of the dermoscope's dark vignette corners.
  const x0 = Math.floor(width / 4);
  const x1 = Math.ceil((3 * width) / 4);
  const y0 = Math.floor(height / 4);
  const y1 = Math.ceil((3 * height) / 4);
  let bright = 0;
  let sum = 0;
  let centreSum = 0;
  let centreN = 0;
  let centreDark = 0;
  let visible = 0;
  let warm = 0;
  const cast = neutralLightGains(wc);
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const i = py * width + px;
      const l = y[i]!;
      sum += l;
      if (l >= 250) bright++;
      if (px >= x0 && px < x1 && py >= y0 && py < y1) {
        centreSum += l;
        centreN++;
        if (l <= 5) centreDark++;
      }
      // Hue under neutral light: a dermatoscope's blue or yellow cast is the light, not the skin.
      const r = data[3 * i]! * cast[0];
      const g = data[3 * i + 1]! * cast[1];
      const b = data[3 * i + 2]! * cast[2];
      const max = Math.max(r, g, b);
      const min = Math.min(r, g, b);
      // Warm hue: from magenta-pink through red and brown to yellow-orange (hue 290-360 and
      // 0-75 degrees), the colours of skin, blood and melanin. Pixels too dark, clipped or
      // too grey to have a hue are left out.
      if (l > 25 && l < 250 && max - min >= 8) {
        visible++;
        if (isWarm(r, g, b, max, min)) warm++;
      }
    }
  }
  return {
    shorterSide,
    // Exposure scales every colour difference with it: a dark image is judged as if brought
    // up to mid-grey (mean luma 128, gain capped at 4) so under-exposure is not called
    // grayscale; bright images are taken as they are.
    colourfulness: colourfulness(wc) * Math.max(1, 128 / Math.max(sum / n, 32)),
    sharpness: 1 - blurEffect(y, width, height, 9, fieldMask(y, width, height)),
    highlightClipping: bright / n,
    brightness: sum / n,
    centreBrightness: centreN ? centreSum / centreN : 0,
    shadowClipping: centreN ? centreDark / centreN : 0,
    skinTone: visible ? warm / visible : 0,
  };
}

function check(name: string, value: number, limit: number, kind: 'min' | 'max'): QualityCheck {
  const v = Math.round(value * 1000) / 1000;
  return { name, value: v, limit, kind, passed: kind === 'min' ? v >= limit : v <= limit };
}

function describe(c: QualityCheck): string {
  const label = c.name.replace(/-/g, ' ');
  return `${label} ${c.value}, ${c.kind === 'min' ? 'needs at least' : 'allowed at most'} ${c.limit}`;
}

const REASON_TEXT: Record<RejectionReason, string> = {
  unreadable: 'The image cannot be read',
  'too-large': 'The image is too large',
  'too-small': 'The image is too small',
  grayscale: 'The image has no colour',
  transparent: 'Part of the image is transparent',
  blurred: 'The image is blurred',
  'over-exposed': 'The image is over-exposed',
  'under-exposed': 'The image is under-exposed',
  'not-dermoscopic': 'The image does not look like a dermoscopic image of skin',
  'hair-obscured': 'Hair covers too much of the image to read the lesion',
};

/** A sentence for the clinician: what is wrong, the measurement, what to do. */
export function rejectionMessage(reason: RejectionReason, failed: QualityCheck[]): string {
  const why = failed.length ? ` (${failed.map(describe).join('; ')})` : '';
  return `${REASON_TEXT[reason]}${why}: ${ADVICE[reason]}.`;
}

/** The quality gate. Pure: the same pixels always give the same report. */
export function assessQuality(img: DecodedImage): QualityReport {
  const m = measureQuality(img);
  const checks: QualityCheck[] = [
    check('shorter-side', m.shorterSide, MIN_SIDE, 'min'),
    check('colourfulness', m.colourfulness, LIMITS.colourfulness, 'min'),
    check('sharpness', m.sharpness, LIMITS.sharpness, 'min'),
    check('highlight-clipping', m.highlightClipping, LIMITS.highlightClipping, 'max'),
    check('brightness-max', m.brightness, LIMITS.brightnessMax, 'max'),
    check('brightness-min', m.centreBrightness, LIMITS.brightnessMin, 'min'),
    check('shadow-clipping', m.shadowClipping, LIMITS.shadowClipping, 'max'),
    check('skin-tone', m.skinTone, LIMITS.skinTone, 'min'),
  ];
  const failedReasons = new Set(checks.filter((c) => !c.passed).map((c) => CHECK_REASONS[c.name]!));
  const reason = REJECTION_REASONS.find((r) => failedReasons.has(r)) ?? null;
  const message = reason ? rejectionMessage(reason, checks.filter((c) => !c.passed && CHECK_REASONS[c.name] === reason)) : null;
  return { passed: reason === null, reason, message, checks, notes: [...img.notes], width: img.width, height: img.height };
}
