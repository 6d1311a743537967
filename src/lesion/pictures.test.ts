import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodePicture, pictureBytes } from './pictures.ts';

describe('encodePicture', () => {
  it('encodes RGB pixels as a PNG that decodes back to the same pixels', async () => {
    const data = new Uint8Array(5 * 3 * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 256;
    const pic = await encodePicture('outline', { width: 5, height: 3, data });
    expect(pic).toMatchObject({ kind: 'outline', mediaType: 'image/png', width: 5, height: 3 });
    const bytes = pictureBytes(pic);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const { data: back, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([5, 3, 3]);
    expect(Array.from(back)).toEqual(Array.from(data));
  });

  it('refuses pixels that do not match the stated size', async () => {
    await expect(encodePicture('heatmap', { width: 4, height: 4, data: new Uint8Array(10) })).rejects.toThrow(/heatmap: 10 bytes for 4x4/);
  });
});
