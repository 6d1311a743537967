import { describe, expect, it } from 'vitest';
import { QRISK3_DISCLAIMER } from './qrisk3.ts';

describe('QRISK3_DISCLAIMER (web copy)', () => {
  it('is exactly the text the engine carries, as the QRISK3 licence requires', async () => {
    // A computed specifier keeps the web typecheck out of server code.
    const serverModule = new URL('../../../src/risk/models/qrisk3.ts', import.meta.url).href;
    const server = (await import(serverModule)) as { QRISK3_DISCLAIMER: string };
    expect(QRISK3_DISCLAIMER).toBe(server.QRISK3_DISCLAIMER);
    expect(QRISK3_DISCLAIMER).toContain('ClinRisk');
  });
});
