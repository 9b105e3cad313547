import i18n from './i18n';

/** A Unix time (seconds) in the UI language, to the second. */
export function formatTime(unix: number): string {
  return new Intl.DateTimeFormat(i18n.language === 'de' ? 'de-DE' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'medium',
  }).format(new Date(unix * 1000));
}
