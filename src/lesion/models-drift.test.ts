/**
 * Drift test: every model folder in models/ is complete and matches its checksums, under
 * the size budget. A classifier folder ships a schema-valid model card whose sha256 matches
 * its ONNX file, with the reliability plot it cites; the image gate ships a config whose
 * sha256s match its ONNX file and labels (openContentGate verifies them on load).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openContentGate } from './content-gate.ts';
import { CARD_FILE, listModelFolders, loadModelFolder } from './model-files.service.ts';

const MODELS = path.resolve(import.meta.dirname, '../../models');
const MAX_BYTES = 20 * 1024 * 1024;

function folderBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
}

describe('models/ drift', async () => {
  const folders = await listModelFolders(MODELS);

  it('finds the shipped lesion model and the image gate', () => {
    expect(folders.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['lesion', 'image-gate']));
  });

  for (const dir of folders) {
    const name = path.basename(dir);
    if (fs.existsSync(path.join(dir, CARD_FILE))) {
      it(`${name}: card valid, sha256 matches, plot present, under 20 MiB`, async () => {
        const { card } = await loadModelFolder(dir);
        expect(fs.existsSync(path.join(dir, card.metrics.calibration.reliability_plot))).toBe(true);
        expect(folderBytes(dir)).toBeLessThan(MAX_BYTES);
        expect(card.metrics.overall.melanoma_auc).not.toBeNull();
        expect(card.metrics.histopathology_confirmed.melanoma_auc).not.toBeNull();
      });
    } else {
      it(`${name}: gate config valid, sha256s match, provenance present, under 20 MiB`, async () => {
        const gate = await openContentGate(dir);
        await gate.close();
        expect(fs.existsSync(path.join(dir, 'SOURCE.md'))).toBe(true);
        expect(folderBytes(dir)).toBeLessThan(MAX_BYTES);
      });
    }
  }
});
