import { Group, SimpleGrid, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Org } from '../api/orgs';
import { useRollup } from '../api/rollup';
import { StateBadge } from '../components/StateBadge';
import { formatTime } from '../format';
import { useScope } from '../org/scope';
import { billingText } from './CustomersTable';
import { Stat } from '../components/Stat';

const states = ['INITIALIZED', 'UNINITIALIZED', 'CREATED', 'DISABLED'] as const;

/** The figures of one organization on its own page — the same numbers as
 * its row in the overview of the organizations above it. */
export function CustomerFigures({ org }: { org: Org }) {
  const { t } = useTranslation();
  const { env } = useScope();
  const r = useRollup({ administered: false, limit: 1 }, org._id);
  const row = r.data?.data[0];
  if (!row) return null;
  const billing = billingText(t, row);
  return (
    <div data-testid="org-figures">
      <Text size="sm" c="dimmed" mb={6}>{t('figures.title', { env })}</Text>
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <Stat label={t('overview.tss')} value={row.tss}>
          <Group gap={4} mt={4}>
            {states.filter((s) => (row.tss_by_state[s] ?? 0) > 0).map((s) => (
              <Group key={s} gap={2} wrap="nowrap"><StateBadge state={s} size="sm" /><Text size="xs">{row.tss_by_state[s]}</Text></Group>
            ))}
          </Group>
        </Stat>
        <Stat label={t('overview.clients')} value={row.clients} />
        <Stat label={t('overview.transactions')} value={row.transactions} />
        <Stat label={t('overview.today')} value={row.today} />
      </SimpleGrid>
      <Text size="xs" c="dimmed" mt={6}>
        {t('figures.lastActivity')}: {row.last_activity ? formatTime(row.last_activity) : t('figures.never')}
        {billing && <> · {t('rollup.billing.title')}: {billing}</>}
      </Text>
    </div>
  );
}
