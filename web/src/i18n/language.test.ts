import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { es } from './es.ts';
import { initialLanguage, messageKeys } from './language.ts';

function leaves(messages: object): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (o: object, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (v !== null && typeof v === 'object') walk(v as object, key);
      else out.set(key, String(v));
    }
  };
  walk(messages, '');
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe('translations', () => {
  it('English and Spanish have exactly the same keys', () => {
    expect(messageKeys(es)).toEqual(messageKeys(en));
    expect(messageKeys(en).length).toBeGreaterThan(100);
  });

  it('no string is empty', () => {
    for (const [key, value] of [...leaves(en), ...leaves(es)]) expect(value.trim(), key).not.toBe('');
  });

  it('each Spanish string uses the same {{placeholders}} as its English one', () => {
    const esLeaves = leaves(es);
    for (const [key, value] of leaves(en)) expect(placeholders(esLeaves.get(key) ?? ''), key).toEqual(placeholders(value));
  });

  it('Spanish is actually translated (labels a user reads differ from English)', () => {
    expect(es.login.submit).not.toBe(en.login.submit);
    expect(es.chart.problems).not.toBe(en.chart.problems);
    expect(es.patients.title).not.toBe(en.patients.title);
  });
});

describe('messageKeys', () => {
  it('lists nested leaves, dotted and sorted', () => {
    expect(messageKeys({ b: 'x', a: { d: 'y', c: 'z' } })).toEqual(['a.c', 'a.d', 'b']);
  });
});

describe('initialLanguage', () => {
  it('uses the stored choice first', () => {
    expect(initialLanguage('es', ['en-GB'])).toBe('es');
    expect(initialLanguage('en', ['es-ES'])).toBe('en');
  });
  it('else the first browser language we speak, by its base tag', () => {
    expect(initialLanguage(null, ['fr-FR', 'es-MX', 'en'])).toBe('es');
    expect(initialLanguage(undefined, ['EN-us'])).toBe('en');
  });
  it('ignores a stored value we do not speak, and falls back to English', () => {
    expect(initialLanguage('de', ['de-DE'])).toBe('en');
    expect(initialLanguage('', [])).toBe('en');
  });
});
