/**
 * Checks the dermoscopic-colour rule (src/lesion/abcd.ts) against what the diagnoses imply,
 * since no colour ground truth exists: vascular lesions should be red, nevi mostly not;
 * blue-grey and black should be commoner in melanoma than in nevi.
 *
 *   npx tsx scripts/measure-lesion-colours.ts [--data ../shared/data/dermoscopy/ham10000] [--skip 40] [--per 60]
 *
 * Per diagnosis, one image per lesion in labels.csv order: lesions skip+1 .. skip+per (the
 * limits were chosen looking at the first 40 per class, so the default reports the next 60).
 * Prints the share of lesions with each colour and the mean number of colours.
 * Without the data folder it says so and exits 0.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DERMOSCOPIC_COLOURS, lesionColours } from '../src/lesion/abcd.ts';
import { decodeForAnalysis } from '../src/lesion/decode.ts';
import { segmentLesion } from '../src/lesion/segment.ts';
import { flag } from './flag.ts';

const DATA = path.resolve(flag('data', path.resolve(import.meta.dirname, '../../shared/data/dermoscopy/ham10000')));
const SKIP = Number(flag('skip', '40'));
const PER = Number(flag('per', '60'));

if (!fs.existsSync(path.join(DATA, 'labels.csv'))) {
  console.log(`no labels.csv in ${DATA}: nothing to measure`);
  process.exit(0);
}
const [header, ...lines] = fs.readFileSync(path.join(DATA, 'labels.csv'), 'utf8').trim().split('\n');
const col = (name: string) => header!.split(',').indexOf(name);
const [iImage, iLesion, iDx] = [col('image_id'), col('lesion_id'), col('dx')];
const byDx = new Map<string, string[]>();
const seenLesions = new Set<string>();
const rank = new Map<string, number>();
for (const line of lines) {
  const c = line.split(',');
  const lesion = c[iLesion] || c[iImage]!;
  if (seenLesions.has(lesion)) continue;
  seenLesions.add(lesion);
  const k = rank.get(c[iDx]!) ?? 0;
  rank.set(c[iDx]!, k + 1);
  if (k >= SKIP && k < SKIP + PER) byDx.set(c[iDx]!, [...(byDx.get(c[iDx]!) ?? []), c[iImage]!]);
}

console.log(`${DATA}: lesions ${SKIP + 1}-${SKIP + PER} of each diagnosis`);
console.log(['dx', 'n', ...DERMOSCOPIC_COLOURS, 'colours/lesion'].join('\t'));
for (const [dx, ids] of [...byDx].sort(([a], [b]) => a.localeCompare(b))) {
  const counts = new Map<string, number>();
  let n = 0;
  let total = 0;
  for (const id of ids) {
    const decoded = await decodeForAnalysis(fs.readFileSync(path.join(DATA, 'images', `${id}.jpg`)));
    if (!decoded.ok) continue;
    const seg = segmentLesion(decoded.image);
    const colours = lesionColours(seg.image, seg.mask);
    n++;
    total += colours.length;
    for (const c of colours) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const share = (c: string) => `${Math.round((100 * (counts.get(c) ?? 0)) / Math.max(1, n))} %`;
  console.log([dx, n, ...DERMOSCOPIC_COLOURS.map(share), (total / Math.max(1, n)).toFixed(2)].join('\t'));
}
