import i18n from './i18n';

/** The Intl locale of the UI language (not the browser's). */
export const locale = () => (i18n.resolvedLanguage === 'de' ? 'de-DE' : 'en-GB');

/** A Unix time (seconds) in the UI language, to the second. */
export function formatTime(unix: number): string {
  return new Intl.DateTimeFormat(locale(), {
    dateStyle: 'medium',
    timeStyle: 'medium',
  }).format(new Date(unix * 1000));
}

/** An amount in the UI language: 12.5 → "12,50 €" in German, "€12.50" in English. */
export function formatMoney(amount: number, currency = 'EUR'): string {
  return new Intl.NumberFormat(locale(), { style: 'currency', currency }).format(amount);
}

/** A count in the UI language: 1234 → "1.234" in German, "1,234" in English. */
export function formatCount(n: number): string {
  return n.toLocaleString(locale());
}

/** A decimal as the POS signed it ("1234.50") in the UI language:
 * "1.234,50" in German, "1,234.50" in English, with the digits it was
 * signed with. Anything that is not a plain decimal is shown unchanged. */
export function formatDecimal(s: string): string {
  const m = /^-?\d+(?:\.(\d+))?$/.exec(s);
  if (!m) return s;
  const digits = m[1]?.length ?? 0;
  // Amounts are exact in a double up to 15 significant digits; longer
  // strings keep their signed form rather than be rounded for display.
  if (s.replace(/[-.]/g, '').length > 15) return s;
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(Number(s));
}
