/**
 * Every bad input the issue names gets its reason, and every conversion its note. Images are
 * generated with sharp here so each case shows exactly what it exercises.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import sharp, { type Sharp, type Colour } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeForAnalysis, DEFAULT_MAX_SIDE, type DecodeOutcome, type DecodedImage } from './decode.ts';
import { decodeImage } from './preprocess.ts';
import { MIN_SIDE } from './quality.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/lesion');
const GOOD = ['ham-mel.jpg', 'ham-nv.jpg', 'isic-bkl.jpg', 'large-640x480.jpg', 'exif-orientation-6.jpg'];
const good = fs.readFileSync(path.join(FIXTURES, 'isic-bkl.jpg'));

function decoded(o: DecodeOutcome): DecodedImage {
  if (!o.ok) throw new Error(`expected a decoded image, got ${o.reason}: ${o.message}`);
  return o.image;
}

function rejected(o: DecodeOutcome): { reason: string; message: string } {
  if (o.ok) throw new Error('expected a rejection, got a decoded image');
  return o;
}

/** The first pixel's RGB. */
const px = (img: DecodedImage, i = 0) => Array.from(img.data.subarray(3 * i, 3 * i + 3));

function solid(width: number, height: number, channels: 3 | 4, background: Colour): Sharp {
  return sharp({ create: { width, height, channels, background } });
}

/** A valid PNG whose header declares `width` x `height` but whose data is a 1x1 image: a decompression bomb's header. */
async function bombPng(width: number, height: number): Promise<Buffer> {
  const png = await solid(1, 1, 3, '#a05030').png().toBuffer();
  // Bytes 8-32: the IHDR chunk (length, "IHDR", 13 data bytes, CRC over type + data).
  const ihdr = Buffer.from(png.subarray(12, 29));
  ihdr.writeUInt32BE(width, 4);
  ihdr.writeUInt32BE(height, 8);
  const out = Buffer.from(png);
  ihdr.copy(out, 12);
  out.writeUInt32BE(crc32(ihdr), 29);
  return out;
}

describe('decodeForAnalysis: good images', () => {
  for (const f of GOOD) {
    it(`${f}: decodes with no notes to the same pixels as the model's decodeImage`, async () => {
      const bytes = fs.readFileSync(path.join(FIXTURES, f));
      const img = decoded(await decodeForAnalysis(bytes));
      const ref = await decodeImage(bytes);
      expect(img.notes).toEqual([]);
      expect([img.width, img.height, img.originalWidth, img.originalHeight]).toEqual([ref.width, ref.height, ref.width, ref.height]);
      expect(Buffer.from(img.data).equals(Buffer.from(ref.data))).toBe(true);
    });
  }

  it('reports the upright size of a file turned by EXIF orientation 6', async () => {
    const bytes = await solid(300, 200, 3, '#b07050').jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const img = decoded(await decodeForAnalysis(bytes));
    expect([img.width, img.height, img.originalWidth, img.originalHeight]).toEqual([200, 300, 200, 300]);
  });
});

describe('decodeForAnalysis: unreadable input', () => {
  it('refuses an empty file', async () => {
    expect(rejected(await decodeForAnalysis(new Uint8Array(0)))).toMatchObject({ reason: 'unreadable', message: expect.stringContaining('empty') });
  });

  it('refuses text', async () => {
    const r = rejected(await decodeForAnalysis(new TextEncoder().encode('Patient notes: mole on the left shoulder.\n'.repeat(10))));
    expect(r.reason).toBe('unreadable');
    expect(r.message).toMatch(/not an image/);
  });

  it('refuses a PDF', async () => {
    const pdf = new TextEncoder().encode('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    expect(rejected(await decodeForAnalysis(pdf)).reason).toBe('unreadable');
  });

  it('refuses a truncated JPEG (header intact, pixel data cut in half)', async () => {
    const r = rejected(await decodeForAnalysis(good.subarray(0, Math.floor(good.length / 2))));
    expect(r.reason).toBe('unreadable');
    expect(r.message).toMatch(/corrupt or truncated/);
  });

  it('refuses a JPEG whose header is garbage', async () => {
    const bytes = Buffer.concat([good.subarray(0, 20), Buffer.alloc(500, 0x5a)]);
    expect(rejected(await decodeForAnalysis(bytes)).reason).toBe('unreadable');
  });

  it('refuses an SVG drawing even though it renders', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><rect width="400" height="400" fill="#c08060"/></svg>');
    const r = rejected(await decodeForAnalysis(svg));
    expect(r.reason).toBe('unreadable');
    expect(r.message).toMatch(/SVG/);
  });
});

describe('decodeForAnalysis: size limits from the header, before decoding', () => {
  it('refuses a decompression bomb (a tiny PNG declaring 50000x50000) at once', async () => {
    const bomb = await bombPng(50_000, 50_000);
    expect(bomb.length).toBeLessThan(200);
    const t0 = performance.now();
    const r = rejected(await decodeForAnalysis(bomb));
    expect(r.reason).toBe('too-large');
    expect(r.message).toContain('50000×50000');
    // Header only: decoding 2.5 gigapixels would take minutes and 7.5 GB.
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('refuses a huge real image (6200x6000, 37 MP) as too large', async () => {
    const huge = await solid(6200, 6000, 3, '#b07050').jpeg({ quality: 50 }).toBuffer();
    const r = rejected(await decodeForAnalysis(huge));
    expect(r.reason).toBe('too-large');
    expect(r.message).toMatch(/6200×6000.*limit is 36 MP/);
  }, 60_000);

  it('honours a smaller maxPixels', async () => {
    const bytes = await solid(400, 300, 3, '#b07050').png().toBuffer();
    expect(rejected(await decodeForAnalysis(bytes, { maxPixels: 100_000 })).reason).toBe('too-large');
    expect((await decodeForAnalysis(bytes, { maxPixels: 120_000 })).ok).toBe(true);
  });

  it('downscales a large allowed image for analysis and keeps its original size', async () => {
    const bytes = await solid(4000, 3000, 3, '#b07050').jpeg().toBuffer();
    const img = decoded(await decodeForAnalysis(bytes));
    expect([img.width, img.height]).toEqual([DEFAULT_MAX_SIDE, 1536]);
    expect([img.originalWidth, img.originalHeight]).toEqual([4000, 3000]);
    expect(img.data.length).toBe(DEFAULT_MAX_SIDE * 1536 * 3);
    expect(img.notes).toEqual(['downscaled from 4000×3000 for analysis']);
  }, 60_000);

  it('refuses a 10x10 image as too small', async () => {
    const r = rejected(await decodeForAnalysis(await solid(10, 10, 3, '#b07050').png().toBuffer()));
    expect(r.reason).toBe('too-small');
    expect(r.message).toContain(`at least ${MIN_SIDE} pixels`);
  });

  it('accepts the HAM10000 size (200x150): the model was trained on it', async () => {
    expect((await decodeForAnalysis(await solid(200, 150, 3, '#b07050').jpeg().toBuffer())).ok).toBe(true);
  });
});

describe('decodeForAnalysis: colour', () => {
  it('refuses a one-channel grayscale JPEG', async () => {
    const grey = await sharp(good).toColourspace('b-w').jpeg().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const r = rejected(await decodeForAnalysis(grey));
    expect(r.reason).toBe('grayscale');
    expect(r.message).toMatch(/needs a colour image/);
  });

  it('refuses grey with alpha and 16-bit grey', async () => {
    const greyAlpha = await sharp(good).toColourspace('b-w').ensureAlpha().png().toBuffer();
    const grey16 = await sharp(good).toColourspace('grey16').png().toBuffer();
    expect(rejected(await decodeForAnalysis(greyAlpha)).reason).toBe('grayscale');
    expect(rejected(await decodeForAnalysis(grey16)).reason).toBe('grayscale');
  });

  it('converts a CMYK JPEG to sRGB with a note; a brown stays brown', async () => {
    const cmyk = await solid(300, 300, 3, '#a0603c').toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const img = decoded(await decodeForAnalysis(cmyk));
    expect(img.notes).toEqual(['converted from CMYK']);
    const [r, g, b] = px(img);
    // Through a CMYK profile and back (gamut mapping moves it a little): still (160, 96, 60)
    // within 25 levels, and still red > green > blue. Read as raw CMYK it would be nonsense.
    expect(Math.abs(r! - 160)).toBeLessThanOrEqual(25);
    expect(Math.abs(g! - 96)).toBeLessThanOrEqual(25);
    expect(Math.abs(b! - 60)).toBeLessThanOrEqual(25);
    expect(r! > g! && g! > b!).toBe(true);
  });

  it('reduces a 16-bit PNG to 8 bits by scaling, not clipping', async () => {
    const png16 = await solid(300, 300, 3, '#c86432').toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const img = decoded(await decodeForAnalysis(png16));
    expect(img.notes).toEqual(['16-bit reduced to 8-bit']);
    expect(px(img)).toEqual([200, 100, 50]);
  });

  it('drops a fully opaque alpha channel, as PNG exports often carry one, leaving the pixels as they are', async () => {
    const rgba = await solid(300, 300, 4, { r: 200, g: 100, b: 50, alpha: 1 }).png().toBuffer();
    expect((await sharp(rgba).metadata()).hasAlpha).toBe(true);
    const img = decoded(await decodeForAnalysis(rgba));
    expect(img.notes).toEqual(['alpha channel fully opaque, dropped']);
    expect(px(img)).toEqual([200, 100, 50]);
    expect(img.data.length).toBe(300 * 300 * 3);
  });

  it('refuses a cut-out: a see-through background means part of the photograph is missing', async () => {
    // The lesion photograph pasted on a transparent canvas twice its size.
    const cutOut = await sharp({ create: { width: 600, height: 600, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .composite([{ input: good, left: 150, top: 150 }])
      .png()
      .toBuffer();
    const r = rejected(await decodeForAnalysis(cutOut));
    expect(r.reason).toBe('transparent');
    expect(r.message).toMatch(/^\d+ % of the image is transparent.*original photograph/);
    // Half-transparent everywhere is refused too: every pixel is partly missing.
    const veiled = await solid(300, 300, 4, { r: 200, g: 100, b: 50, alpha: 0.5 }).png().toBuffer();
    expect(rejected(await decodeForAnalysis(veiled)).message).toMatch(/^100 % of the image is transparent/);
  });

  it('flattens a few see-through pixels (rounded corners) onto black, with a note giving their share', async () => {
    const side = 300;
    const corner = await solid(24, 24, 4, { r: 0, g: 0, b: 0, alpha: 1 }).png().toBuffer(); // 'dest-out' clears where it is opaque
    const rounded = await solid(side, side, 4, { r: 200, g: 100, b: 50, alpha: 1 })
      .composite([{ input: corner, left: 0, top: 0, blend: 'dest-out' }])
      .png()
      .toBuffer();
    const img = decoded(await decodeForAnalysis(rounded));
    expect(img.notes).toEqual(['alpha channel flattened onto black (0.6 % transparent)']); // 576 of 90,000 pixels
    expect(px(img)).toEqual([0, 0, 0]); // the see-through corner
    expect(px(img, side * side - 1)).toEqual([200, 100, 50]); // an opaque pixel untouched
  });
});
