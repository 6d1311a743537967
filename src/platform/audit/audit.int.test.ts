import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DB_KINDS, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { execute } from '../db/database.ts';
import { createClinic } from '../auth/users.ts';
import { systemContext, type RequestContext } from '../context.ts';
import { createAuditLog, GENESIS_HASH } from './audit.service.ts';
import type { AuditLog } from './types.ts';

/** The database's own message, under Drizzle's "Failed query" wrapper. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return `${String(e)} ${String((e as { cause?: unknown }).cause)}`;
  }
  return 'no error';
}

const nurse: RequestContext = {
  principal: { kind: 'user', userId: 'nurse-1', role: 'nurse', clinicId: 'c1', displayName: 'Nurse' },
  clientAddress: '192.0.2.7',
  requestId: 'r1',
};

describe.each(DB_KINDS)('audit log on %s', (kind) => {
  let t: TestDatabase;
  let audit: AuditLog;
  let tick = Date.parse('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    audit = createAuditLog({ database: t.database, clock: () => new Date((tick += 1000)) });
    await createClinic(t.database.db, { id: 'c1', name: 'One' });
    await createClinic(t.database.db, { id: 'c2', name: 'Two' });
  });
  afterAll(() => t.drop());

  it('starts an empty chain that verifies, then links each event to the previous one', async () => {
    expect(await audit.verify()).toEqual({ ok: true, checked: 0 });
    await audit.record(nurse, { action: 'read', outcome: 'success', resourceType: 'Patient', resourceId: 'p1', patientId: 'p1' });
    await audit.record(systemContext('c1', 'cli:import'), { action: 'import', outcome: 'success', detail: { count: 3 } });
    const [second, first] = await audit.list('c1', {});
    expect(first).toMatchObject({ seq: 1, userId: 'nurse-1', role: 'nurse', clinicId: 'c1', clientAddress: '192.0.2.7', action: 'read', patientId: 'p1', prevHash: GENESIS_HASH });
    expect(second).toMatchObject({ seq: 2, userId: null, role: 'system', action: 'import', detail: { count: 3, actor: 'cli:import' }, prevHash: first?.hash });
    expect(await audit.verify()).toEqual({ ok: true, checked: 2 });
  });

  it('writes inside the caller transaction: a rollback takes the event with it', async () => {
    const before = await audit.verify();
    await expect(
      t.database.transaction(async (tx) => {
        await audit.record(nurse, { action: 'create', outcome: 'success', resourceType: 'Observation' }, tx);
        throw new Error('the audited write failed');
      }),
    ).rejects.toThrow('the audited write failed');
    expect((await audit.verify()).checked).toBe(before.checked);
    await t.database.transaction(async (tx) => {
      await audit.recordMany(nurse, [{ action: 'create', outcome: 'success' }, { action: 'update', outcome: 'success' }], tx);
    });
    expect(await audit.verify()).toEqual({ ok: true, checked: before.checked + 2 });
  });

  it('keeps a gapless valid chain under concurrent writers', async () => {
    const before = (await audit.verify()).checked;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 4 === 0
          ? audit.recordMany(nurse, [{ action: 'search', outcome: 'success' }, { action: 'read', outcome: 'success' }])
          : audit.record(nurse, { action: 'read', outcome: 'success', resourceId: `p${i}` }),
      ),
    );
    const result = await audit.verify();
    expect(result).toEqual({ ok: true, checked: before + 50 });
    const rows = await execute<{ n: string | number; lo: string | number; hi: string | number }>(
      t.database.db,
      sql`select count(*) as n, min(seq) as lo, max(seq) as hi from audit_event`,
    );
    expect(Number(rows[0]?.hi) - Number(rows[0]?.lo) + 1).toBe(Number(rows[0]?.n));
  });

  it('lists only the clinic asked for, filtered and paged newest first', async () => {
    await audit.record({ ...nurse, principal: { ...nurse.principal, clinicId: 'c2' } as RequestContext['principal'] }, { action: 'export', outcome: 'success' });
    const c1 = await audit.list('c1', { limit: 500 });
    expect(c1.every((e) => e.clinicId === 'c1')).toBe(true);
    expect((await audit.list('c2', {})).map((e) => e.action)).toEqual(['export']);
    const page1 = await audit.list('c1', { limit: 5 });
    const page2 = await audit.list('c1', { limit: 5, beforeSeq: page1.at(-1)?.seq });
    expect(page1.map((e) => e.seq)).toEqual([...page1.map((e) => e.seq)].sort((a, b) => b - a));
    expect(Math.max(...page2.map((e) => e.seq))).toBeLessThan(Math.min(...page1.map((e) => e.seq)));
    expect((await audit.list('c1', { action: 'import' })).map((e) => e.action)).toEqual(['import']);
    expect((await audit.list('c1', { patientId: 'p1' })).map((e) => e.seq)).toEqual([1]);
  });

  it('refuses an ordinary UPDATE or DELETE of an event', async () => {
    expect(await failure(execute(t.database.db, sql`update audit_event set outcome = 'denied' where seq = 1`))).toMatch(/append-only/);
    expect(await failure(execute(t.database.db, sql`delete from audit_event where seq = 1`))).toMatch(/append-only/);
    expect((await audit.verify()).ok).toBe(true);
  });

  it('points at the one row an attacker with database access altered', async () => {
    const total = (await audit.verify()).checked;
    await t.database.execScript(`
      alter table audit_event disable trigger audit_event_no_update;
      update audit_event set user_id = 'someone-else' where seq = 3;
      alter table audit_event enable trigger audit_event_no_update;`);
    const result = await audit.verify();
    expect(result.ok).toBe(false);
    expect(result.brokenAt).toEqual({ seq: 3, reason: 'content does not match its hash' });
    expect(result.checked).toBe(2);
    expect(total).toBeGreaterThan(3);
  });

  it('notices a deleted row too', async () => {
    await t.database.execScript(`
      alter table audit_event disable trigger audit_event_no_update;
      update audit_event set user_id = 'nurse-1' where seq = 3;
      delete from audit_event where seq = 5;
      alter table audit_event enable trigger audit_event_no_update;`);
    const result = await audit.verify();
    expect(result.brokenAt?.seq).toBe(5);
    expect(result.brokenAt?.reason).toMatch(/missing/);
  });
});
