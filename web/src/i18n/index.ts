/**
 * i18next set-up: English and Spanish bundled (no network fetch), the choice kept in
 * localStorage and mirrored on <html lang> so screen readers pronounce the page right.
 */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';
import { es } from './es.ts';
import { LANGUAGE_STORAGE_KEY, initialLanguage, isLanguage, type Language } from './language.ts';

function readStored(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    return null; // storage disabled: fall back to the browser's languages
  }
}

export function setupI18n(): typeof i18n {
  const lng = initialLanguage(readStored(), navigator.languages ?? [navigator.language]);
  void i18n.use(initReactI18next).init({
    resources: { en: { translation: en }, es: { translation: es } },
    lng,
    fallbackLng: 'en',
    supportedLngs: ['en', 'es'],
    // React escapes output itself; escaping here too would show "&lt;" to the user.
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
  });
  document.documentElement.lang = lng;
  i18n.on('languageChanged', (l) => {
    document.documentElement.lang = l;
  });
  return i18n;
}

/** Switches language and remembers the choice for the next visit. */
export async function chooseLanguage(lng: Language): Promise<void> {
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, lng);
  } catch {
    // storage disabled: the switch still works for this visit
  }
  await i18n.changeLanguage(lng);
}

/** Whether the user picked a language explicitly (then their profile locale does not override it). */
export function hasStoredLanguage(): boolean {
  return isLanguage(readStored());
}

/** The current language as one of ours. */
export function currentLanguage(): Language {
  const l = i18n.resolvedLanguage ?? i18n.language;
  return isLanguage(l) ? l : 'en';
}
