import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PASSWORD } from '../../../test/support/tenants.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');

// One database kind is enough here: what is logged does not depend on the driver.
describe('logs of sign-in and token use', () => {
  it('contain requests and outcomes but never a password or a token', () => {
    const r = spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'test/support/log-probe.ts')], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const secrets = JSON.parse(r.stderr.trim().split('\n').at(-1) ?? '{}') as { session: string; apiToken: string; statuses: number[] };
    expect(secrets.statuses).toEqual([200, 201]);
    const logs = r.stdout;
    const lines = logs.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // The probe's requests were logged, or this test would prove nothing.
    expect(lines.some((l) => (l.req as { path?: string } | undefined)?.path === '/api/auth/login')).toBe(true);
    expect(lines.some((l) => l.msg === 'request refused')).toBe(true);
    for (const secret of [PASSWORD, 'Wrong-Secret-Guess-42', 'Overlong-Overlong', 'Created-Secret-77', secrets.session, secrets.apiToken, secrets.apiToken.slice(4, 24), secrets.session.slice(4, 24)]) {
      expect(secret.length).toBeGreaterThan(8);
      expect(logs).not.toContain(secret);
    }
    expect(logs).not.toContain('next=/patients');
  });
});
