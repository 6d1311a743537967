/**
 * `wellage intake history` as an operator runs it: a real process through bin/wellage.mjs on
 * the fixtures. The command reads no database (the engines are pure), so there is one run,
 * not one per database kind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIX = path.join(ROOT, 'test/fixtures/intake');

function wellage(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
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

describe('wellage intake history', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-intake-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the note with sources, the red flags, the scores and the extracted resources (English text)', async () => {
    const r = await wellage(['intake', 'history', path.join(FIX, 'complete-with-flags.json'), '--as-of', '2026-11-28']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Preliminary medical history \(patient intake, unsigned\)\n/);
    expect(r.stdout).toContain('URGENT: New, changing, bleeding or itching mole.');
    expect(r.stdout).toContain('46-year-old woman. [about.age, about.sex]');
    expect(r.stdout).toMatch(/MedicationStatement\s+Apixaban/);
    expect(r.stdout).toContain('Scores: Fitzpatrick III (16/40); DCQ 13/21 positive.');
  });

  it('writes Spanish text', async () => {
    const r = await wellage(['intake', 'history', path.join(FIX, 'minimal-healthy.json'), '--lang', 'es', '--as-of', '2026-11-28']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Historia clínica preliminar/);
    expect(r.stdout).toContain('Señales de alarma: 0.');
    expect(r.stdout).toContain('Escalas: Fitzpatrick IV (25/40); DCQ 2/21 negativo.');
  });

  it('writes JSON in English and Spanish: note, flags, scores, Composition and transaction Bundle', async () => {
    const en = await wellage(['intake', 'history', path.join(FIX, 'complete-with-flags.json'), '--format', 'json', '--as-of', '2026-11-28']);
    expect(en.code, en.stderr).toBe(0);
    const out = JSON.parse(en.stdout);
    expect(out).toMatchObject({ ok: true, complete: true, composition: { resourceType: 'Composition', language: 'en' }, bundle: { type: 'transaction' } });
    expect(out.flags[0]).toMatchObject({ code: 'CHANGING_MOLE', severity: 'urgent', title: 'New, changing, bleeding or itching mole' });
    expect(out.scores.dcq).toMatchObject({ positive: true });
    expect(out.bundle.entry).toHaveLength(35);

    const es = await wellage(['intake', 'history', path.join(FIX, 'partial.json'), '--format', 'json', '--lang', 'es', '--as-of', '2026-11-28']);
    expect(es.code, es.stderr).toBe(0);
    const partial = JSON.parse(es.stdout);
    expect(partial).toMatchObject({ ok: true, complete: false, composition: { language: 'es' } });
    expect(partial.note.sections[1]).toMatchObject({ code: 'incomplete', title: 'Cuestionario incompleto' });
  });

  it('exits 1 on an invalid response, naming each item on stderr', async () => {
    const qr = JSON.parse(fs.readFileSync(path.join(FIX, 'minimal-healthy.json'), 'utf8'));
    const about = qr.item.find((i: { linkId: string }) => i.linkId === 'about');
    about.item.find((i: { linkId: string }) => i.linkId === 'about.age').answer = [{ valueInteger: 300 }];
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify(qr));
    const r = await wellage(['intake', 'history', file, '--as-of', '2026-11-28']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('IMPOSSIBLE_VALUE about.age: "Age (years)": 300 is not possible');

    const es = await wellage(['intake', 'history', file, '--lang', 'es', '--format', 'json', '--as-of', '2026-11-28']);
    expect(es.code).toBe(1);
    expect(JSON.parse(es.stdout)).toMatchObject({ ok: false, errors: [{ code: 'IMPOSSIBLE_VALUE', linkId: 'about.age' }] });
    expect(es.stderr).toMatch(/^La respuesta al cuestionario no es válida \(1\):/);

    const usage = await wellage(['intake', 'history', file, '--format', 'xml']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--format must be text or json');
  });
});
