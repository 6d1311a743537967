import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalBlobStore } from './blob-store.ts';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-blobs-'));
}

describe('local blob store', () => {
  it('puts, reads, checks and deletes a blob, leaving no temp files', async () => {
    const dir = tempDir();
    const store = createLocalBlobStore(dir);
    const bytes = Buffer.from('hello image');
    await store.put('clinic-a/abc-123', bytes, 'image/png');
    expect(await store.exists('clinic-a/abc-123')).toBe(true);
    expect(await store.get('clinic-a/abc-123')).toEqual(bytes);
    expect(fs.readdirSync(path.join(dir, 'clinic-a'))).toEqual(['abc-123']);
    await store.put('clinic-a/abc-123', Buffer.from('replaced'), 'image/png');
    expect((await store.get('clinic-a/abc-123'))?.toString()).toBe('replaced');
    await store.delete('clinic-a/abc-123');
    await store.delete('clinic-a/abc-123');
    expect(await store.exists('clinic-a/abc-123')).toBe(false);
    expect(await store.get('clinic-a/abc-123')).toBeUndefined();
  });

  it('refuses keys that could leave its folder', async () => {
    const dir = tempDir();
    const store = createLocalBlobStore(path.join(dir, 'inner'));
    for (const key of ['../escape', 'a/../../escape', '/etc/passwd', 'a/./b', '', 'a//b', 'a\\..\\b', '.hidden', 'a/b.tmp']) {
      await expect(store.put(key, Buffer.from('x'), 'text/plain')).rejects.toThrow(/Invalid blob key/);
      await expect(store.get(key)).rejects.toThrow(/Invalid blob key/);
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
