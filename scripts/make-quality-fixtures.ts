/**
 * Writes the non-dermoscopic fixtures of test/fixtures/lesion/quality/ (see ATTRIBUTION.md
 * there): three public-domain/CC0 photographs from scikit-image's bundled data, downscaled
 * to at most 256 px JPEG, and a generated document page.
 *
 *   npx tsx scripts/make-quality-fixtures.ts [--skimage /usr/lib/python3/dist-packages/skimage/data]
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const i = process.argv.indexOf('--skimage');
const SKIMAGE = i >= 0 ? process.argv[i + 1]! : '/usr/lib/python3/dist-packages/skimage/data';
const OUT = path.resolve(import.meta.dirname, '../test/fixtures/lesion/quality');

/** A clinic letter photographed on cream paper: the kind of document that gets uploaded by mistake. */
export function documentSvg(): Buffer {
  const lines = Array.from(
    { length: 14 },
    (_, k) => `<text x="24" y="${70 + k * 22}" font-family="sans-serif" font-size="15" fill="#5a3a22">Line ${k + 1}: patient referred for review of a pigmented lesion on the back</text>`,
  );
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="400"><rect width="480" height="400" fill="#f3ead8"/>` +
      `<rect x="0" y="0" width="480" height="40" fill="#1c5fa8"/><text x="24" y="28" font-family="sans-serif" font-size="20" fill="#ffffff">Clinic notes</text>${lines.join('')}</svg>`,
  );
}

fs.mkdirSync(OUT, { recursive: true });
for (const [src, dst] of [
  ['chelsea.png', 'cat.jpg'],
  ['astronaut.png', 'face.jpg'],
  ['coffee.png', 'coffee.jpg'],
] as const) {
  const file = path.join(SKIMAGE, src);
  if (!fs.existsSync(file)) {
    console.log(`skipped ${dst}: ${file} not found (install python3-skimage)`);
    continue;
  }
  await sharp(file).resize(256, 256, { fit: 'inside' }).jpeg({ quality: 85 }).toFile(path.join(OUT, dst));
  console.log(`wrote ${dst}`);
}
await sharp(documentSvg()).resize(256, 256, { fit: 'inside' }).jpeg({ quality: 85 }).toFile(path.join(OUT, 'document.jpg'));
console.log('wrote document.jpg');
