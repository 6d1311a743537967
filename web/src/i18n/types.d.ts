// Typed translation keys: a misspelt key is a compile error, not an English fallback.
import type { Messages } from './en.ts';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Messages };
  }
}
