import i18n from './i18n';

/** A Unix time (seconds) in the UI language, to the second. */
export function formatTime(unix: number): string {
  return new Intl.DateTimeFormat(i18n.language === 'de' ? 'de-DE' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'medium',
  }).format(new Date(unix * 1000));
}

/** An amount in the UI language: 12.5 → "12,50 €" in German, "€12.50" in English. */
export function formatMoney(amount: number, currency = 'EUR'): string {
  return new Intl.NumberFormat(i18n.language === 'de' ? 'de-DE' : 'en-GB', { style: 'currency', currency }).format(amount);
}
