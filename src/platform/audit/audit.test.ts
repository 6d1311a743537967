import { describe, expect, it } from 'vitest';
import { canonicalJson, chainHash, GENESIS_HASH, type ChainedFields } from './audit.service.ts';

const fields: ChainedFields = {
  seq: 1,
  at: '2026-01-01T00:00:00.000Z',
  userId: 'u1',
  role: 'nurse',
  clinicId: 'c1',
  action: 'read',
  resourceType: 'Patient',
  resourceId: 'p1',
  patientId: 'p1',
  clientAddress: '10.0.0.1',
  outcome: 'success',
  detail: { b: 1, a: [1, { d: 2, c: 3 }] },
};

describe('canonical JSON', () => {
  it('sorts keys at every level so jsonb reordering does not change the hash', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } })).toBe('{"a":{"c":[3,{"e":2,"f":1}],"d":2},"b":1}');
  });
  it('drops undefined members like JSON does', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });
});

describe('chain hash', () => {
  it('is a sha256 hex digest that depends on the previous hash', () => {
    const h = chainHash(GENESIS_HASH, fields);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash('f'.repeat(64), fields)).not.toBe(h);
  });
  it('changes when any one field changes, and not when key order does', () => {
    const h = chainHash(GENESIS_HASH, fields);
    expect(chainHash(GENESIS_HASH, { ...fields, outcome: 'denied' })).not.toBe(h);
    expect(chainHash(GENESIS_HASH, { ...fields, seq: 2 })).not.toBe(h);
    expect(chainHash(GENESIS_HASH, { ...fields, at: '2026-01-01T00:00:00.001Z' })).not.toBe(h);
    expect(chainHash(GENESIS_HASH, { ...fields, detail: { a: [1, { c: 3, d: 2 }], b: 1 } })).toBe(h);
  });
});
