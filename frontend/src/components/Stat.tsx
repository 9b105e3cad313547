import { Card, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { formatCount } from '../format';

/** One figure in a card: label, the number in the UI language, details below. */
export function Stat({ label, value, children }: { label: string; value: number; children?: ReactNode }) {
  return (
    <Card withBorder padding="md">
      <Text size="sm" c="dimmed">{label}</Text>
      <Text fw={700} fz={26} data-testid={`stat-${label}`} data-value={value}>{formatCount(value)}</Text>
      {children}
    </Card>
  );
}
