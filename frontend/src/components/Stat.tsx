import { Card, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** One figure in a card: label, the number in the UI language, details below. */
export function Stat({ label, value, children }: { label: string; value: number; children?: ReactNode }) {
  const { i18n } = useTranslation();
  return (
    <Card withBorder padding="md">
      <Text size="sm" c="dimmed">{label}</Text>
      <Text fw={700} fz={26} data-testid={`stat-${label}`} data-value={value}>{value.toLocaleString(i18n.resolvedLanguage === 'de' ? 'de-DE' : 'en-GB')}</Text>
      {children}
    </Card>
  );
}
