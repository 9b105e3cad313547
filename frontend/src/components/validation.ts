// Client-side checks mirror the server's rules so a form says what is
// wrong before it is sent; the server stays the authority.

export const MIN_PASSWORD = 10;

type T = (key: string, opts?: Record<string, unknown>) => string;

export const required = (t: T) => (v: string) => (v.trim() ? null : t('form.required'));
export const email = (t: T) => (v: string) => (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim()) ? null : t('form.invalidEmail'));
export const password = (t: T) => (v: string) => (v.length >= MIN_PASSWORD ? null : t('form.passwordShort', { min: MIN_PASSWORD }));
export const orgName = (t: T) => (v: string) => (v.trim().length >= 3 ? null : t('form.nameShort'));
export const country = (t: T) => (v: string) => (/^[A-Z]{3}$/.test(v) ? null : t('form.countryInvalid'));

/** VAT id: country prefix + 2–13 characters; German ones are DE + 9 digits. */
export const vatId = (t: T) => (v: string) => {
  const s = v.trim().toUpperCase();
  if (!s) return null;
  if (s.startsWith('DE')) return /^DE[0-9]{9}$/.test(s) ? null : t('form.vatInvalidDE');
  return /^[A-Z]{2}[0-9A-Z+*.]{2,13}$/.test(s) ? null : t('form.vatInvalid');
};

/** Tax number: 10–13 digits; `/` and spaces as people write them. */
export const taxNumber = (t: T) => (v: string) => {
  if (!v.trim()) return null;
  const digits = v.replace(/[\s/]/g, '');
  return /^[0-9]{10,13}$/.test(digits) ? null : t('form.taxInvalid');
};

/** API key names: 3–30 letters, digits, space, `.`, `_`, `-`. */
export const keyName = (t: T) => (v: string) => (/^[\p{L}0-9 ._-]{3,30}$/u.test(v.trim()) ? null : t('form.keyNameInvalid'));
