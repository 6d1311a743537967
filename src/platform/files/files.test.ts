import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { cleanImage, sniffType } from './files.service.ts';
import { GPS_TAG, jpegWithGps, MINIMAL_PDF, png } from '../../../test/support/images.ts';

describe('sniffType', () => {
  it('recognises the accepted types from their bytes', async () => {
    expect(await sniffType(await jpegWithGps())).toBe('image/jpeg');
    expect(await sniffType(await png(4, 4))).toBe('image/png');
    expect(await sniffType(await sharp({ create: { width: 4, height: 4, channels: 3, background: 'white' } }).webp().toBuffer())).toBe('image/webp');
    expect(await sniffType(await sharp({ create: { width: 4, height: 4, channels: 3, background: 'white' } }).tiff().toBuffer())).toBe('image/tiff');
    expect(await sniffType(MINIMAL_PDF)).toBe('application/pdf');
  });

  it('refuses text, scripts and other formats naming the file field', async () => {
    for (const bytes of [
      Buffer.from('just some text pretending to be a photo.jpg'),
      Buffer.from('<script>alert(1)</script>'),
      await sharp({ create: { width: 4, height: 4, channels: 3, background: 'white' } }).gif().toBuffer(),
      Buffer.from('PK\u0003\u0004 zip file'),
    ]) {
      await expect(sniffType(bytes)).rejects.toMatchObject({ code: 'FILE_TYPE_NOT_ALLOWED', status: 415, field: 'file' });
    }
  });
});

describe('cleanImage', () => {
  it('removes EXIF and GPS and turns the image upright', async () => {
    const input = await jpegWithGps();
    const before = await sharp(input).metadata();
    expect(before.exif?.includes(GPS_TAG)).toBe(true);
    expect(input.includes(Buffer.from('TestCam'))).toBe(true);

    const out = await cleanImage(input, 'image/jpeg', 1_000_000);
    const after = await sharp(out.bytes).metadata();
    expect(after.format).toBe('jpeg');
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.iptc).toBeUndefined();
    expect(out.bytes.includes(Buffer.from('TestCam'))).toBe(false);
    expect(out.bytes.includes(Buffer.from('Exif\0\0'))).toBe(false);
    // Orientation 6 applied before the tag was dropped: 64×48 becomes 48×64.
    expect([out.width, out.height, after.width, after.height]).toEqual([48, 64, 48, 64]);
  });

  it('refuses an image over the pixel limit from its header', async () => {
    const big = await png(2000, 1000);
    await expect(cleanImage(big, 'image/png', 1_999_999)).rejects.toMatchObject({ code: 'IMAGE_TOO_MANY_PIXELS', status: 413, field: 'file' });
    expect((await cleanImage(big, 'image/png', 2_000_000)).width).toBe(2000);
  });

  it('refuses bytes that start like an image but do not decode', async () => {
    const fake = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really a png at all')]);
    await expect(cleanImage(fake, 'image/png', 1_000_000)).rejects.toMatchObject({ code: 'FILE_TYPE_NOT_ALLOWED', field: 'file' });
  });
});
