import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from '../../../test/support/database.ts';
import { openTestApp, type TestApp } from '../../../test/support/app.ts';

interface Page {
  events: Array<{ seq: number; action: string; clinicId: string | null; userId: string | null; outcome: string; hash: string }>;
  nextBeforeSeq?: number;
}

describe.each(DB_KINDS)('audit routes on %s', (kind) => {
  let h: TestApp;
  let admin: string;
  beforeAll(async () => {
    h = await openTestApp(kind);
    admin = await h.login('admin@a.test');
    await h.login('nurse@a.test');
    await h.login('clinician@a.test');
    await h.login('admin@b.test');
  });
  afterAll(() => h.close());

  it('shows an admin their clinic log, newest first, and audits the reading', async () => {
    const res = await h.app.inject({ url: '/api/audit?action=login', headers: { cookie: admin } });
    expect(res.statusCode).toBe(200);
    const page = res.json() as Page;
    expect(page.events.map((e) => e.userId)).toEqual(['clinician-a', 'nurse-a', 'admin-a']);
    expect(page.events.every((e) => e.clinicId === 'clinic-a' && e.outcome === 'success')).toBe(true);
    expect(page.nextBeforeSeq).toBeUndefined();
    const again = (await h.app.inject({ url: '/api/audit?action=audit-read', headers: { cookie: admin } })).json() as Page;
    expect(again.events[0]).toMatchObject({ action: 'audit-read', userId: 'admin-a' });
  });

  it('pages with limit and beforeSeq', async () => {
    const first = (await h.app.inject({ url: '/api/audit?limit=2', headers: { cookie: admin } })).json() as Page;
    expect(first.events).toHaveLength(2);
    expect(first.nextBeforeSeq).toBe(first.events[1]?.seq);
    const second = (await h.app.inject({ url: `/api/audit?limit=2&beforeSeq=${first.nextBeforeSeq}`, headers: { cookie: admin } })).json() as Page;
    expect(second.events.every((e) => e.seq < (first.nextBeforeSeq ?? 0))).toBe(true);
  });

  it('refuses learners, clinicians and patients', async () => {
    for (const email of ['learner@a.test', 'clinician@a.test', 'patient@a.test']) {
      const cookie = await h.login(email);
      const res = await h.app.inject({ url: '/api/audit', headers: { cookie } });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN' });
      expect((await h.app.inject({ url: '/api/audit/verify', headers: { cookie } })).statusCode).toBe(403);
    }
  });

  it('verifies the chain for an admin, and names the row an attacker altered', async () => {
    expect((await h.app.inject({ url: '/api/audit/verify', headers: { cookie: admin } })).json()).toMatchObject({ ok: true });
    await h.t.database.execScript(`
      alter table audit_event disable trigger audit_event_no_update;
      update audit_event set outcome = 'failed' where seq = 2;
      alter table audit_event enable trigger audit_event_no_update;`);
    const res = await h.app.inject({ url: '/api/audit/verify', headers: { cookie: admin } });
    expect(res.json()).toEqual({ ok: false, checked: 1, brokenAt: { seq: 2, reason: 'content does not match its hash' } });
  });

  it('refuses bad filters naming the parameter', async () => {
    for (const [qs, field] of [['limit=0', 'querystring.limit'], ['limit=abc', 'querystring.limit'], ['since=yesterday', 'querystring.since'], ['action=drop', 'querystring.action'], ['beforeSeq=-1', 'querystring.beforeSeq']]) {
      const res = await h.app.inject({ url: `/api/audit?${qs}`, headers: { cookie: admin } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', field });
    }
  });
});
