/**
 * `wellage lesion analyze` and `wellage lesion evaluate` as an operator runs them: the real
 * bin, the shipped model, the lesion fixtures (whose expected outputs the trainer wrote).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIX = path.join(ROOT, 'test/fixtures/lesion');
const expected = JSON.parse(fs.readFileSync(path.join(FIX, 'expected.json'), 'utf8')) as {
  fixtures: { file: string; melanoma_probability: number; action: string }[];
};
const card = JSON.parse(fs.readFileSync(path.join(ROOT, 'models/lesion/model-card.json'), 'utf8')) as {
  name: string;
  version: string;
  model: { sha256: string };
};
const expect1 = (file: string) => expected.fixtures.find((f) => f.file === file)!;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function wellage(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/wellage.mjs'), ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const jsonLines = (s: string): Record<string, unknown>[] =>
  s
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-lesion-cli-'));
  fs.writeFileSync(path.join(tmp, 'corrupt.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(300, 7)]));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const KEYS = ['file', 'status', 'reason', 'probabilities', 'melanoma_probability', 'malignant_probability', 'uncertainty', 'suggestion', 'features', 'model'];

// Each test starts real processes that load the model; the machine may be busy.
describe('wellage lesion analyze', { timeout: 240_000 }, () => {
  it('--json: one line per file with the issue keys; a corrupt file is rejected with its reason and exit status 1', async () => {
    const heat = path.join(tmp, 'heat');
    const r = await wellage(['lesion', 'analyze', '--json', '--heatmap', heat, path.join(FIX, 'ham-mel.jpg'), path.join(tmp, 'corrupt.jpg'), path.join(FIX, 'ham-nv.jpg')]);
    expect(r.code, r.stderr).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(Object.keys(l)).toEqual(KEYS);
    const [mel, bad, nv] = lines as Record<string, any>[];
    expect(mel!.file).toBe(path.join(FIX, 'ham-mel.jpg'));
    expect(mel!.status).toBe('ok');
    expect(mel!.reason).toBeNull();
    expect(Object.keys(mel!.probabilities)).toEqual(['mel', 'nv', 'bcc', 'akiec', 'bkl', 'df', 'vasc']);
    const sum = Object.values(mel!.probabilities as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 4);
    expect(mel!.melanoma_probability).toBe(mel!.probabilities.mel);
    expect(mel!.malignant_probability).toBeGreaterThanOrEqual(mel!.melanoma_probability);
    expect(mel!.uncertainty.views).toBeGreaterThan(1);
    expect(['low', 'moderate', 'high']).toContain(mel!.uncertainty.level);
    expect(mel!.suggestion.action).toBe('refer');
    expect(mel!.suggestion.text).toMatch(/not a diagnosis/);
    expect(mel!.features.diameter_mm).toBeNull();
    expect(mel!.features.diameter_px).toBeGreaterThan(0);
    expect(mel!.model).toEqual({ name: card.name, version: card.version, sha256: card.model.sha256 });
    expect(bad).toMatchObject({ status: 'rejected', reason: 'unreadable', probabilities: null, suggestion: null });
    expect(r.stderr).toMatch(/corrupt\.jpg: cannot assess \(unreadable\)/);
    expect(nv!.suggestion.action).toBe(expect1('ham-nv.jpg').action);
    for (const f of ['ham-mel', 'ham-nv']) {
      for (const kind of ['heatmap', 'outline']) {
        const png = fs.readFileSync(path.join(heat, `${f}.${kind}.png`));
        expect(png.subarray(1, 4).toString()).toBe('PNG');
      }
    }
    expect(fs.existsSync(path.join(heat, 'corrupt.heatmap.png'))).toBe(false);
  });

  it('--no-tta matches the Python model output; --pixels-per-mm gives millimetres; without --json a human summary', async () => {
    const file = path.join(FIX, 'ham-mel.jpg');
    const json = await wellage(['lesion', 'analyze', '--json', '--no-tta', '--pixels-per-mm', '20', file]);
    expect(json.code, json.stderr).toBe(0);
    const [l] = jsonLines(json.stdout) as Record<string, any>[];
    expect(l!.uncertainty.views).toBe(1);
    expect(l!.melanoma_probability).toBeCloseTo(expect1('ham-mel.jpg').melanoma_probability, 2);
    expect(l!.features.diameter_mm).toBeCloseTo(l!.features.diameter_px / 20, 1);
    const text = await wellage(['lesion', 'analyze', '--no-tta', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ham-mel\.jpg: REFER suggested; melanoma \d+\.\d %/);
    expect(text.stdout).toMatch(/px \(no scale\)/);
    expect(text.stdout).toMatch(/uncertainty not measured \(1 view: --no-tta\)/);
    expect(() => JSON.parse(text.stdout.split('\n')[0]!)).toThrow();
  });

  it('bad arguments exit with status 2 and name the option', async () => {
    // Started side by side: each is a process start-up, nothing analysed.
    const [r1, r2, r3, r4, r5] = await Promise.all([
      wellage(['lesion', 'analyze', '--pixels-per-mm', '-3', path.join(FIX, 'ham-mel.jpg')]),
      wellage(['lesion', 'analyze']),
      wellage(['lesion', 'evaluate']),
      wellage(['lesion', 'evaluate', '--data', path.join(tmp, 'nowhere')]),
      wellage(['lesion', 'evaluate', '--data', FIX, '--limit', 'ten']),
    ]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/--pixels-per-mm: must be a positive number/);
    expect(r1.stdout).toBe('');
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/missing required argument/);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/--data/);
    expect(r4.code).toBe(2);
    expect(r4.stderr).toMatch(/no labels\.csv/);
    expect(r5.code).toBe(2);
    expect(r5.stderr).toMatch(/--limit: must be a whole number/);
  });
});

describe('wellage lesion evaluate', { timeout: 240_000 }, () => {
  let data: string;
  /** 8-view P(mel) of each fixture under the shipped model, from `lesion analyze`: no model's numbers are hard-coded here. */
  const pMel: Record<string, number> = {};
  let referThreshold: number;
  beforeAll(async () => {
    // A tiny folder in the ../shared/data/dermoscopy layout, from the fixtures: 5 melanoma
    // images of 4 lesions (ham-mel), 7 others (3 nv, 1 nv in a phone attachment's frame, 2 bkl, 1 bcc).
    const files = ['ham-mel.jpg', 'ham-nv.jpg', 'isic-bkl.jpg', 'large-640x480.jpg', 'field-of-view.jpg'];
    const scored = await wellage(['lesion', 'analyze', '--json', ...files.map((f) => path.join(FIX, f))]);
    for (const line of scored.stdout.trim().split('\n')) {
      const r = JSON.parse(line) as { file: string; melanoma_probability: number };
      pMel[path.basename(r.file)] = r.melanoma_probability;
    }
    referThreshold = (JSON.parse(fs.readFileSync(path.join(ROOT, 'models/lesion/model-card.json'), 'utf8')) as { operating_points: { action: string; melanoma_threshold: number }[] })
      .operating_points.find((o) => o.action === 'refer')!.melanoma_threshold;
    data = path.join(tmp, 'folder');
    fs.mkdirSync(path.join(data, 'images'), { recursive: true });
    const rows = ['image_id,lesion_id,dx,dx_type,age,sex,localization,source'];
    const add = (id: string, lesion: string, fixture: string, dx: string, dxType: string, source: string) => {
      fs.copyFileSync(path.join(FIX, fixture), path.join(data, 'images', `${id}.jpg`));
      rows.push(`${id},${lesion},${dx},${dxType},50,female,back,${source}`);
    };
    ['L1', 'L1', 'L2', 'L3', 'L4'].forEach((l, i) => add(`M${i}`, l, 'ham-mel.jpg', 'mel', 'histo', 'clinic-a'));
    [0, 1, 2].forEach((i) => add(`N${i}`, `N${i}`, 'ham-nv.jpg', 'nv', 'follow_up', 'clinic-a'));
    [0, 1].forEach((i) => add(`K${i}`, `K${i}`, 'isic-bkl.jpg', 'bkl', 'histo', 'clinic-b'));
    add('B0', 'B0', 'large-640x480.jpg', 'bcc', 'histo', 'clinic-b');
    add('F0', 'F0', 'field-of-view.jpg', 'nv', 'follow_up', 'clinic-a');
    rows.push('S0,S0,scc,histo,60,male,face,clinic-b'); // not one of the 7 classes: skipped
    rows.push('X0,X0,nv,histo,60,male,face,clinic-b'); // listed, but no image file
    fs.writeFileSync(path.join(data, 'labels.csv'), `${rows.join('\n')}\n`);
  });

  it("--no-gate --json: the card's metric set on the folder, overall, histopathology and by source", async () => {
    const r = await wellage(['lesion', 'evaluate', '--data', data, '--no-gate', '--json', '--bootstrap', '200']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, any>;
    expect(report.images).toMatchObject({ listed: 13, scored: 12, unreadable: 1, skippedLabels: 1, croppedToField: null });
    const o = report.metrics.overall;
    expect(o).toMatchObject({ n_images: 12, n_lesions: 11, n_melanoma: 5 });
    // The 5 melanomas are one image; the 7 others four. AUC and the refer point follow from
    // their scores, as the card computes them (the model-only path crops the frame too).
    const others = [...Array(3).fill(pMel['ham-nv.jpg']), ...Array(2).fill(pMel['isic-bkl.jpg']), pMel['large-640x480.jpg'], pMel['field-of-view.jpg']] as number[];
    const mel = pMel['ham-mel.jpg']!;
    const auc = others.reduce((n, p) => n + (mel > p ? 1 : mel === p ? 0.5 : 0), 0) / others.length;
    expect(o.melanoma_auc.value).toBeCloseTo(auc, 4);
    expect(o.melanoma_auc.bootstrap).toBe('200 lesion-level resamples');
    expect(o.operating_points.refer.sensitivity).toBe(mel >= referThreshold ? 1 : 0);
    expect(o.operating_points.refer.specificity).toBeCloseTo(others.filter((p) => p < referThreshold).length / others.length, 4);
    expect(report.metrics.histopathology_confirmed).toMatchObject({ n_images: 8, n_melanoma: 5 });
    expect(Object.keys(report.metrics.by_source)).toEqual(['clinic-a', 'clinic-b']);
    expect(report.metrics.by_source['clinic-b'].n_melanoma).toBe(0);
    expect(report.card.overall.melanoma_auc.value).toBeGreaterThan(0.5);
    expect(report.card.by_source['clinic-a']).toBeNull();
  });

  it('text: the folder beside the model card, with the quality gate on', async () => {
    const r = await wellage(['lesion', 'evaluate', '--data', data, '--bootstrap', '100']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/images scored/);
    expect(r.stdout).toMatch(/ 1 was cropped to the dermatoscope's round field first\./);
    expect(r.stdout).toMatch(/this folder\s+model card \(test split\)/);
    expect(r.stdout).toMatch(/melanoma AUC \(95% CI\)/);
    expect(r.stdout).toMatch(/Histopathology-confirmed/);
    expect(r.stdout).toMatch(/Source: clinic-a/);
  });
});
