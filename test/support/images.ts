/** Synthetic images for the file tests, made with sharp. */
import sharp from 'sharp';

/** A 64×48 JPEG carrying camera make, GPS position and orientation 6 (rotate 90° clockwise to view). */
export function jpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 120, b: 90 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'TestCam', Model: 'Probe-9', Copyright: 'Dr Example' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 25/1 1234/100', GPSLongitudeRef: 'W', GPSLongitude: '3/1 42/1 0/1' },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

export function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 10, g: 200, b: 30 } } }).png().toBuffer();
}

/** The GPS IFD pointer tag (0x8825) as it appears in little-endian EXIF. */
export const GPS_TAG = Buffer.from([0x25, 0x88]);

export const MINIMAL_PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
