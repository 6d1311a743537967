import { describe, expect, it } from 'vitest';
import { answerIssuesOf } from './api.ts';

describe('submission errors', () => {
  it('reads the per-answer errors of a VALIDATION_FAILED problem, skipping malformed entries', () => {
    const body = {
      code: 'VALIDATION_FAILED',
      field: 'about.age',
      details: {
        errors: [
          { linkId: 'about.age', code: 'IMPOSSIBLE_VALUE', message: '"Age (years)": 300 is not possible' },
          { code: 'X' },
          { linkId: 'cv.bp.date', message: 'in the future' },
        ],
      },
    };
    expect(answerIssuesOf(body)).toEqual([
      { linkId: 'about.age', code: 'IMPOSSIBLE_VALUE', message: '"Age (years)": 300 is not possible' },
      { linkId: 'cv.bp.date', code: '', message: 'in the future' },
    ]);
    expect(answerIssuesOf({ code: 'CONSENT_MISSING' })).toEqual([]);
    expect(answerIssuesOf(undefined)).toEqual([]);
  });
});
