/**
 * Drift test: every model folder in models/ ships a complete, schema-valid model card whose
 * sha256 matches its ONNX file, with the reliability plot it cites, under the size budget.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listModelFolders, loadModelFolder } from './model-files.service.ts';

const MODELS = path.resolve(import.meta.dirname, '../../models');
const MAX_BYTES = 20 * 1024 * 1024;

describe('models/ drift', async () => {
  const folders = await listModelFolders(MODELS);

  it('finds the shipped lesion model', () => {
    expect(folders.map((f) => path.basename(f))).toContain('lesion');
  });

  for (const dir of folders) {
    it(`${path.basename(dir)}: card valid, sha256 matches, plot present, under 20 MiB`, async () => {
      const { card } = await loadModelFolder(dir);
      expect(fs.existsSync(path.join(dir, card.metrics.calibration.reliability_plot))).toBe(true);
      const total = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
      expect(total).toBeLessThan(MAX_BYTES);
      expect(card.metrics.overall.melanoma_auc).not.toBeNull();
      expect(card.metrics.histopathology_confirmed.melanoma_auc).not.toBeNull();
    });
  }
});
