import { describe, expect, it } from 'vitest';
import { afterLoginPath, canListPatients, canOpenCharts, canReadAudit, homePath } from './home.ts';

describe('homePath', () => {
  it('sends staff to the patient list, a patient to their own chart, a learner to learning', () => {
    expect(homePath({ role: 'clinician' })).toBe('/patients');
    expect(homePath({ role: 'nurse' })).toBe('/patients');
    expect(homePath({ role: 'admin' })).toBe('/patients');
    expect(homePath({ role: 'patient', patientId: 'p 1' })).toBe('/patients/p%201');
    expect(homePath({ role: 'learner' })).toBe('/learn');
  });
  it('never sends a patient user without a linked record to a chart', () => {
    expect(homePath({ role: 'patient' })).toBe('/learn');
  });
});

describe('role gates', () => {
  it('lets only staff list patients and only admins read the audit log', () => {
    expect(canListPatients('clinician')).toBe(true);
    expect(canListPatients('patient')).toBe(false);
    expect(canListPatients('learner')).toBe(false);
    expect(canReadAudit('admin')).toBe(true);
    expect(canReadAudit('clinician')).toBe(false);
    expect(canOpenCharts('patient')).toBe(true);
    expect(canOpenCharts('learner')).toBe(false);
  });
});

describe('afterLoginPath', () => {
  it('returns to the page that asked for sign-in', () => {
    expect(afterLoginPath({ role: 'clinician' }, '/patients/p1')).toBe('/patients/p1');
  });
  it('refuses other hosts and the login page itself', () => {
    expect(afterLoginPath({ role: 'clinician' }, '//evil.example/x')).toBe('/patients');
    expect(afterLoginPath({ role: 'clinician' }, 'https://evil.example')).toBe('/patients');
    expect(afterLoginPath({ role: 'clinician' }, '/login')).toBe('/patients');
    expect(afterLoginPath({ role: 'learner' }, undefined)).toBe('/learn');
  });
});
