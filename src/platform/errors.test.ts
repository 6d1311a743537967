import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, ERRORS, invalidField } from './errors.ts';

const doc = fs.readFileSync(path.join(import.meta.dirname, '../../docs/errors.md'), 'utf8');
const documented = new Map([...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]));

describe('error catalogue', () => {
  it('documents every code with its status in docs/errors.md', () => {
    for (const [code, { status }] of Object.entries(ERRORS)) {
      expect(documented.get(code), `docs/errors.md row for ${code}`).toBe(status);
    }
  });

  it('documents no code the catalogue no longer has', () => {
    expect([...documented.keys()].filter((c) => !(c in ERRORS))).toEqual([]);
  });

  it('carries status, code and field on thrown errors', () => {
    const e = invalidField('Patient.birthDate', 'not a date');
    expect(e).toBeInstanceOf(AppError);
    expect(e.status).toBe(400);
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.field).toBe('Patient.birthDate');
    expect(e.message).toBe('Patient.birthDate: not a date');
  });
});
