import { afterEach, describe, expect, it } from 'vitest';
import { formatCount, formatDecimal } from './format';
import i18n from './i18n';

describe('formatDecimal', () => {
  afterEach(() => i18n.changeLanguage('en'));

  it('shows a signed amount with the UI language\'s separators and its own digits', async () => {
    await i18n.changeLanguage('de');
    expect(formatDecimal('2.00')).toBe('2,00');
    expect(formatDecimal('1234.5')).toBe('1.234,5');
    expect(formatDecimal('-0.07')).toBe('-0,07');
    expect(formatDecimal('12')).toBe('12');
    await i18n.changeLanguage('en');
    expect(formatDecimal('1234.50')).toBe('1,234.50');
  });

  it('leaves what is not a plain decimal, or too long to be exact, as it was signed', () => {
    expect(formatDecimal('1e3')).toBe('1e3');
    expect(formatDecimal('')).toBe('');
    expect(formatDecimal('12345678901234567.89')).toBe('12345678901234567.89');
  });
});

describe('formatCount', () => {
  afterEach(() => i18n.changeLanguage('en'));

  it('groups a count in the UI language, not the browser\'s', async () => {
    await i18n.changeLanguage('de');
    expect(formatCount(1234567)).toBe('1.234.567');
    await i18n.changeLanguage('en');
    expect(formatCount(1234567)).toBe('1,234,567');
  });
});
