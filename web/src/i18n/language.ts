/** Which language the app speaks, and how the choice is kept. Pure helpers, unit-tested. */

export const LANGUAGES = ['en', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

/** localStorage key of the user's explicit choice. */
export const LANGUAGE_STORAGE_KEY = 'wellage.language';

export function isLanguage(v: unknown): v is Language {
  return typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);
}

/**
 * The language to start in: the stored choice, else the first browser language we speak
 * ("es-MX" counts as Spanish), else English.
 */
export function initialLanguage(stored: string | null | undefined, browserLanguages: readonly string[]): Language {
  if (isLanguage(stored)) return stored;
  for (const tag of browserLanguages) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

/** All leaf keys of a nested message object, dotted ("chart.problems"), sorted. */
export function messageKeys(messages: object, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(messages)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object') out.push(...messageKeys(v as object, key));
    else out.push(key);
  }
  return out.sort();
}
