import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from './types.ts';

describe('AUDIT_ACTIONS (web copy)', () => {
  it('lists exactly the actions the server records, so the audit filter offers every one', async () => {
    // A computed specifier keeps the web typecheck out of server code.
    const serverModule = new URL('../../../src/platform/audit/types.ts', import.meta.url).href;
    const server = (await import(serverModule)) as { AUDIT_ACTIONS: readonly string[] };
    expect([...AUDIT_ACTIONS].sort()).toEqual([...server.AUDIT_ACTIONS].sort());
  });
});
