/**
 * `wellage risk score` as an operator runs it: a real process through bin/wellage.mjs, on
 * files and on stdin/stdout. No database is involved (the scorer is pure), so there is one
 * run, not one per database kind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function wellage(args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/wellage.mjs'), ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const HEADER = 'id,model,outcome,horizon_years,risk_percent,category,warnings,error';
const CSV =
  'id,sex,age,race,region,total_cholesterol,hdl_cholesterol,cholesterol_unit,systolic_bp,bp_treated,smoker,diabetes,egfr,bmi,statin\n' +
  'p1,male,55,white,low,213,50,mg/dL,120,false,false,false,90,27,false\n' +
  'p2,female,62,black,moderate,5.4,1.3,mmol/L,135,true,true,false,75,31,false\n' +
  'p3,female,50,white,low,5.2,50,mg/dL,120,false,false,false,90,25,false\n';

describe('wellage risk score', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-risk-cli-'));
    fs.writeFileSync(path.join(dir, 'panel.csv'), CSV);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('scores a CSV file into a CSV file: one row per patient and model outcome, a bad row in its own rows', async () => {
    const out = path.join(dir, 'scored.csv');
    const r = await wellage(['risk', 'score', '--model', 'pce', '--in', path.join(dir, 'panel.csv'), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 3);
    expect(lines[0]).toBe(HEADER);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual(['p1,pce,ascvd,10', 'p2,pce,ascvd,10', 'p3,pce,ascvd,10']);
    expect(lines[1]).toMatch(/^p1,pce,ascvd,10,5\.37\d+,borderline,,$/);
    expect(lines[3]).toMatch(/totalCholesterol 5\.2 mg\/dL is not plausible/);
    expect(r.stderr).toMatch(/Scored 3 rows into 3 output rows \(1 with errors\)/);
  });

  it('scores every model with --model all: 16 output rows per input row', async () => {
    const r = await wellage(['risk', 'score', '--model', 'all', '--in', path.join(dir, 'panel.csv')]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(HEADER);
    expect(lines).toHaveLength(1 + 3 * 16);
    expect(lines.filter((l) => l.startsWith('p2,prevent,'))).toHaveLength(10);
    // QRISK3 scores are among them: its authors' notice comes with them, on stderr.
    expect(r.stderr).toContain('QRISK3 notice: The initial version of this file');
  });

  it('reads NDJSON from stdin and writes NDJSON to stdout', async () => {
    const nd =
      '{"id":"n1","sex":"male","age":60,"region":"high","total_cholesterol":6.1,"hdl_cholesterol":1.1,"cholesterol_unit":"mmol/L","systolic_bp":150,"smoker":true,"diabetes":false}\n' +
      '{"id":"n2","sex":"unknown","age":60}\n';
    const r = await wellage(['risk', 'score', '--model', 'score2,framingham', '--format', 'ndjson'], nd);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(4);
    expect(rows.map((x) => `${x.id}/${x.model}`)).toEqual(['n1/score2', 'n1/framingham', 'n2/score2', 'n2/framingham']);
    expect(r.stderr).not.toContain('QRISK3 notice');
    expect(typeof rows[0]?.risk_percent).toBe('number');
    expect(rows[0]?.category).toBe('very-high'); // 60-year-old smoker, high-risk region (ESC 2021: >= 10% at 50-69)
    expect(rows[2]).toMatchObject({ risk_percent: null, error: expect.stringMatching(/^sex:/) });
  });

  it('scores a FHIR Bundle of Patients with their Observations', async () => {
    const obs = (code: string, value: number, unit: string, date: string) => ({
      resource: {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code }] },
        subject: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' },
        effectiveDateTime: date,
        valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
      },
    });
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: { resourceType: 'Patient', id: 'fb1', gender: 'male', birthDate: '1970-01-01', address: [{ country: 'ES' }] } },
        obs('2093-3', 220, 'mg/dL', '2026-03-01'),
        obs('2085-9', 45, 'mg/dL', '2026-03-01'),
        obs('8480-6', 140, 'mm[Hg]', '2026-03-01'),
        {
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: '72166-2' }] },
            subject: { reference: 'Patient/fb1' },
            effectiveDateTime: '2026-03-01',
            valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '266919005' }] },
          },
        },
        { resource: { resourceType: 'Patient', id: 'fb2', gender: 'female', birthDate: '1975-01-01' } },
      ] as Bundle['entry'],
    };
    const file = path.join(dir, 'panel.json');
    fs.writeFileSync(file, JSON.stringify(bundle));
    const r = await wellage(['risk', 'score', '--model', 'score2', '--in', file, '--as-of', '2026-11-01']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    // fb1: lipids, BP and smoking on record, region from its address (ES: low); fb2 has nothing on record.
    expect(lines).toEqual([
      HEADER,
      expect.stringMatching(/^fb1,score2,cvd,10,\d+\.\d+,[a-z-]+,,$/),
      'fb2,score2,cvd,10,,,,totalCholesterol is required: total cholesterol with its unit',
    ]);
  });

  it('exits 1 when the input cannot be read at all, and names why', async () => {
    const missing = await wellage(['risk', 'score', '--in', path.join(dir, 'nope.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope\.csv/);
    const noHeader = await wellage(['risk', 'score', '--format', 'csv'], 'name,score\nx,1\n');
    expect(noHeader.code).toBe(1);
    expect(noHeader.stderr).toMatch(/missing column\(s\) id, sex, age/);
    expect(noHeader.stdout).toBe('');
    const notBundle = await wellage(['risk', 'score', '--format', 'fhir'], '{"resourceType":"Patient"}');
    expect(notBundle.code).toBe(1);
    expect(notBundle.stderr).toMatch(/not a FHIR Bundle/);
    const badModel = await wellage(['risk', 'score', '--model', 'horoscope'], CSV);
    expect(badModel.code).toBe(1);
    expect(badModel.stderr).toMatch(/--model: 'horoscope'/);
  });
});
