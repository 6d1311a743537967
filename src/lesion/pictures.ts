/**
 * Overlay pixels to PNG, as the LesionPicture an analysis returns (base64 in JSON).
 * Uses sharp (native encoder); the pixels themselves come from overlay.ts.
 */
import sharp from 'sharp';
import type { RgbImage } from './preprocess.ts';
import type { LesionPicture } from './types.ts';

/** Encode 8-bit RGB pixels as a PNG picture of the given kind. */
export async function encodePicture(kind: LesionPicture['kind'], img: RgbImage): Promise<LesionPicture> {
  if (img.width < 1 || img.height < 1 || img.data.length !== img.width * img.height * 3) {
    throw new Error(`${kind}: ${img.data.length} bytes for ${img.width}x${img.height} RGB`);
  }
  const png = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return { kind, mediaType: 'image/png', width: img.width, height: img.height, data: png.toString('base64') };
}

/** The PNG bytes of a picture (for storage or an HTTP answer). */
export function pictureBytes(picture: LesionPicture): Uint8Array {
  return new Uint8Array(Buffer.from(picture.data, 'base64'));
}
