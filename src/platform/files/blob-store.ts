/**
 * Where file bytes live. A local folder by default; the interface is small enough for an
 * S3-compatible store (PUT/GET/DELETE/HEAD object) to implement later without changes
 * elsewhere.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface BlobStore {
  /** Stores `bytes` under `key`, replacing any earlier blob; all or nothing. */
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** The bytes under `key`, or undefined when there are none. */
  get(key: string): Promise<Buffer | undefined>;
  /** Removes `key`; a missing key is not an error. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
}

/**
 * Keys are opaque to callers but must be path-safe: segments of letters, digits, '_' and
 * '-' joined by '/'. No dots, so no '..', no hidden files, and no clash with temp files.
 */
const KEY_PATTERN = /^[A-Za-z0-9_-]{1,128}(\/[A-Za-z0-9_-]{1,128}){0,7}$/;

/** Throws on a key that could escape the store's folder. */
export function assertBlobKey(key: string): void {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) throw new Error(`Invalid blob key: ${JSON.stringify(key)}`);
}

function isMissing(e: unknown): boolean {
  return (e as { code?: string }).code === 'ENOENT';
}

/** A BlobStore over a local folder (created on first write). */
export function createLocalBlobStore(dir: string): BlobStore {
  const root = path.resolve(dir);
  const fileOf = (key: string) => {
    assertBlobKey(key);
    return path.join(root, ...key.split('/'));
  };
  return {
    async put(key, bytes) {
      const target = fileOf(key);
      await fs.mkdir(path.dirname(target), { recursive: true });
      // Write and fsync a temp file, then rename over the target: rename is atomic on one
      // file system, so a crash leaves either the old blob or the new one, never half.
      const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      const handle = await fs.open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await fs.rename(temp, target);
      } catch (e) {
        await fs.rm(temp, { force: true });
        throw e;
      }
    },
    async get(key) {
      try {
        return await fs.readFile(fileOf(key));
      } catch (e) {
        if (isMissing(e)) return undefined;
        throw e;
      }
    },
    async delete(key) {
      await fs.rm(fileOf(key), { force: true });
    },
    async exists(key) {
      try {
        return (await fs.stat(fileOf(key))).isFile();
      } catch (e) {
        if (isMissing(e)) return false;
        throw e;
      }
    },
  };
}
