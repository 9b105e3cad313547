import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import de from './locales/de.json';
import en from './locales/en.json';

export const languages = ['en', 'de'] as const;
export type Language = (typeof languages)[number];

const storageKey = 'fiskaldesk.language';

/** The saved choice, else the browser's language when it is German, else English. */
export function initialLanguage(): Language {
  const saved = globalThis.localStorage?.getItem(storageKey);
  if (saved === 'de' || saved === 'en') return saved;
  return globalThis.navigator?.language?.toLowerCase().startsWith('de') ? 'de' : 'en';
}

export function setLanguage(lang: Language) {
  globalThis.localStorage?.setItem(storageKey, lang);
  document.documentElement.lang = lang;
  return i18n.changeLanguage(lang);
}

const lng = initialLanguage();
// The page's language from the start: hyphenation and screen readers use it.
if (typeof document !== 'undefined') document.documentElement.lang = lng;

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, de: { translation: de } },
  lng,
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
});

export default i18n;
