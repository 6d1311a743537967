import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults to port 3000 and PGlite under ./data', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.databaseUrl).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('honours PORT, WELLAGE_DATA_DIR and DATABASE_URL', () => {
    const c = loadConfig({ PORT: '8080', WELLAGE_DATA_DIR: '/tmp/w', DATABASE_URL: 'postgres://u@h:5432/db' });
    expect(c.port).toBe(8080);
    expect(c.dataDir).toBe('/tmp/w');
    expect(c.databaseUrl).toBe('postgres://u@h:5432/db');
  });

  it('treats an empty DATABASE_URL as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'eighty', WELLAGE_SECURE_COOKIES: 'maybe', DATABASE_URL: 'not a url' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as ConfigError).message;
      expect(msg).toContain('PORT');
      expect(msg).toContain('WELLAGE_SECURE_COOKIES');
      expect(msg).toContain('DATABASE_URL');
    }
  });
});
