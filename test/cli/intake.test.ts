/** `wellage intake history` as a function: the fixtures in, the note, flags, scores and resources out; bad files refused. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { intakeHistoryCommand } from '../../src/cli/intake.ts';

const FIX = path.resolve(import.meta.dirname, '../fixtures/intake');
async function run(file: string, opts: Parameters<typeof intakeHistoryCommand>[1] = {}) {
  let stdout = '';
  let stderr = '';
  const code = await intakeHistoryCommand(file, { asOf: '2026-11-28', ...opts }, { stdout: { write: (t) => void (stdout += t) }, stderr: { write: (t) => void (stderr += t) } });
  return { code, stdout, stderr };
}
function temp(content: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-intake-')), 'qr.json');
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('intakeHistoryCommand', () => {
  it('prints the note, flags, scores and extracted resources as text', async () => {
    const r = await run(path.join(FIX, 'complete-with-flags.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('URGENT: New, changing, bleeding or itching mole.');
    expect(r.stdout).toContain('46-year-old woman. [about.age, about.sex]');
    expect(r.stdout).toContain('Scores: Fitzpatrick III (16/40); DCQ 13/21 positive.');
    expect(r.stdout).toMatch(/MedicationStatement\s+Apixaban/);
  });

  it('writes Spanish JSON with the Composition and the transaction Bundle', async () => {
    const r = await run(path.join(FIX, 'partial.json'), { lang: 'es', format: 'json' });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.complete).toBe(false);
    expect(out.missing.length).toBe(39);
    expect(out.composition.resourceType).toBe('Composition');
    expect(out.composition.language).toBe('es');
    expect(out.bundle.type).toBe('transaction');
    expect(out.flags.map((f: { code: string }) => f.code)).toEqual(['ANTITHROMBOTIC']);
    expect(out.flags[0].title).toBe('Anticoagulante o antiagregante');
  });

  it('exits 1 with every error naming its item', async () => {
    const bad = JSON.parse(fs.readFileSync(path.join(FIX, 'minimal-healthy.json'), 'utf8'));
    bad.item[0].item[0].answer = [{ valueInteger: 300 }];
    bad.questionnaire = 'https://wellage.dev/fhir/Questionnaire/aesthetic-intake|2.0.0';
    const r = await run(temp(bad));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('WRONG_VERSION questionnaire:');
    expect(r.stderr).toContain('IMPOSSIBLE_VALUE about.age: "Age (years)": 300 is not possible');
  });

  it('refuses a file that is not JSON or not there, and bad options', async () => {
    expect((await run(temp('{nope'))).stderr).toContain('is not valid JSON');
    expect((await run('/nonexistent/qr.json')).code).toBe(1);
    expect((await run(path.join(FIX, 'partial.json'), { lang: 'fr' })).code).toBe(2);
    expect((await run(path.join(FIX, 'partial.json'), { format: 'xml' })).code).toBe(2);
  });
});
