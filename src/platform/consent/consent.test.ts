import { describe, expect, it } from 'vitest';
import type { Consent } from '@medplum/fhirtypes';
import { buildConsent, decideConsent, type StoredConsent } from './consent.ts';
import { CONSENT_PURPOSE_SYSTEM } from './purposes.ts';

const NOW = new Date('2026-06-01T12:00:00Z');

function stored(id: string, over: Partial<Consent> & { purpose?: string }, lastUpdated = '2026-01-01T00:00:00Z'): StoredConsent {
  const { purpose = 'ai-analysis', ...rest } = over;
  const base = buildConsent({ patientId: 'p1', purpose: purpose as 'ai-analysis', decision: 'permit', date: '2026-01-01T00:00:00Z' });
  return { id, lastUpdated: new Date(lastUpdated), content: { ...base, provision: { type: 'permit' }, ...rest } };
}

describe('buildConsent', () => {
  it('builds an R4 Consent with scope, both categories, patient, date, policy rule and provision', () => {
    const c = buildConsent({ patientId: 'pat-7', purpose: 'genetics', decision: 'deny', date: new Date('2026-02-03T04:05:06Z'), performerRef: 'Practitioner/dr-1', clinicName: 'Clínica Aurora' });
    expect(c).toEqual({
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy', display: 'Privacy Consent' }] },
      category: [
        { coding: [{ system: CONSENT_PURPOSE_SYSTEM, code: 'genetics', display: 'Genetic data' }] },
        { coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] },
      ],
      patient: { reference: 'Patient/pat-7' },
      dateTime: '2026-02-03T04:05:06.000Z',
      performer: [{ reference: 'Practitioner/dr-1' }],
      organization: [{ display: 'Clínica Aurora' }],
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT', display: 'opt-out' }] },
      provision: { type: 'deny', period: { start: '2026-02-03T04:05:06.000Z' } },
    });
  });

  it('refuses an unknown purpose, decision or date naming the field', () => {
    expect(() => buildConsent({ patientId: 'p', purpose: 'marketing' as 'care', decision: 'permit', date: NOW })).toThrow(expect.objectContaining({ field: 'purpose' }));
    expect(() => buildConsent({ patientId: 'p', purpose: 'care', decision: 'maybe' as 'permit', date: NOW })).toThrow(expect.objectContaining({ field: 'decision' }));
    expect(() => buildConsent({ patientId: 'p', purpose: 'care', decision: 'permit', date: 'yesterday' })).toThrow(expect.objectContaining({ field: 'date' }));
  });
});

describe('decideConsent', () => {
  it('none when no Consent carries the purpose', () => {
    expect(decideConsent([stored('c1', { purpose: 'care' })], 'ai-analysis', NOW)).toEqual({ purpose: 'ai-analysis', status: 'none' });
    expect(decideConsent([], 'care', NOW).status).toBe('none');
  });

  it('permit from an active permit within its period', () => {
    const d = decideConsent([stored('c1', { provision: { type: 'permit', period: { start: '2026-01-01', end: '2026-12-31' } } })], 'ai-analysis', NOW);
    expect(d).toEqual({ purpose: 'ai-analysis', status: 'permit', consentId: 'c1', date: '2026-01-01T00:00:00Z' });
  });

  it('deny from a deny provision, an expired or future period, or no provision', () => {
    expect(decideConsent([stored('c1', { provision: { type: 'deny' } })], 'ai-analysis', NOW)).toMatchObject({ status: 'deny', reason: 'denied' });
    expect(decideConsent([stored('c1', { provision: { type: 'permit', period: { end: '2026-05-31T00:00:00Z' } } })], 'ai-analysis', NOW)).toMatchObject({ status: 'deny', reason: 'expired' });
    expect(decideConsent([stored('c1', { provision: { type: 'permit', period: { start: '2026-07-01' } } })], 'ai-analysis', NOW)).toMatchObject({ status: 'deny', reason: 'not-yet-valid' });
    expect(decideConsent([stored('c1', { provision: undefined })], 'ai-analysis', NOW)).toMatchObject({ status: 'deny' });
  });

  it('the newest active Consent decides, by dateTime then lastUpdated', () => {
    const older = stored('old', { dateTime: '2026-01-01T00:00:00Z', provision: { type: 'permit' } });
    const newer = stored('new', { dateTime: '2026-03-01T00:00:00Z', provision: { type: 'deny' } });
    expect(decideConsent([newer, older], 'ai-analysis', NOW)).toMatchObject({ status: 'deny', consentId: 'new' });
    expect(decideConsent([older, { ...newer, content: { ...newer.content, provision: { type: 'permit' } } }], 'ai-analysis', NOW)).toMatchObject({ consentId: 'new' });
    const sameDateLater = stored('later', { provision: { type: 'deny' } }, '2026-02-01T00:00:00Z');
    expect(decideConsent([older, sameDateLater], 'ai-analysis', NOW)).toMatchObject({ status: 'deny', consentId: 'later' });
  });

  it('a non-active Consent never permits; entered-in-error is ignored', () => {
    expect(decideConsent([stored('c1', { status: 'inactive' })], 'ai-analysis', NOW)).toMatchObject({ status: 'deny', reason: 'inactive' });
    expect(decideConsent([stored('c1', { status: 'entered-in-error' })], 'ai-analysis', NOW)).toEqual({ purpose: 'ai-analysis', status: 'none' });
    expect(decideConsent([stored('c1', { status: 'proposed' })], 'ai-analysis', NOW).status).toBe('none');
  });
});
