import { Alert, Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { IconArrowRight } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useExports } from '../api/exports';
import { useHealth } from '../api/health';
import { useOverview } from '../api/overview';
import { CopyField } from '../components/CopyField';
import { QueryState } from '../components/QueryState';
import { TransactionsChart } from '../components/TransactionsChart';
import { apiBaseURL } from '../desktop';
import { formatTime } from '../format';
import { useScope } from '../org/scope';
import { TssStateBadge } from './TssListPage';

const apis = [
  { key: 'overview.management', path: '/api/v0' },
  { key: 'overview.signde', path: '/api/v2' },
  { key: 'overview.dsfinvk', path: '/api/v1' },
] as const;

const states = ['INITIALIZED', 'UNINITIALIZED', 'CREATED', 'DISABLED'] as const;

export function OverviewPage() {
  const { t } = useTranslation();
  const { org, env } = useScope();
  const live = org._envs.includes('LIVE');
  return (
    <Stack gap="lg">
      <div>
        <Group gap="sm">
          <Title order={2}>{t('overview.title')}</Title>
          <Badge variant="light" color={live ? 'green' : 'gray'}>{live ? t('overview.live') : t('overview.notLive')}</Badge>
        </Group>
        <Text c="dimmed">{t('overview.scope', { org: org.name, env })}</Text>
      </div>
      <Activity />
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <RecentExports />
        <ApiCard />
      </SimpleGrid>
      {!live && (
        <Alert color="blue" title={t('overview.goLiveTitle')}>
          <Text size="sm">{t('overview.goLiveBody')}</Text>
          <Anchor component={Link} to={`/organizations/${org._id}`} size="sm">{t('overview.goLiveLink')}</Anchor>
        </Alert>
      )}
      <WorkstationCard />
    </Stack>
  );
}

function Activity() {
  const { t } = useTranslation();
  const overview = useOverview();
  return (
    <QueryState q={overview}>
      {(o) => {
        const total = states.reduce((n, s) => n + o.tss_by_state[s], 0);
        if (total === 0)
          return (
            <Alert color="blue" title={t('overview.emptyTitle')}>
              <Stack gap="xs" align="flex-start">
                <Text size="sm">{t('overview.emptyBody')}</Text>
                <Button component={Link} to="/tss" size="xs" rightSection={<IconArrowRight size={14} />}>{t('overview.emptyAction')}</Button>
              </Stack>
            </Alert>
          );
        return (
          <>
            <SimpleGrid cols={{ base: 2, md: 4 }}>
              <Stat label={t('overview.tss')} value={total}>
                <Group gap={4} mt={4}>
                  {states.filter((s) => o.tss_by_state[s] > 0).map((s) => (
                    <Group key={s} gap={2}><TssStateBadge state={s} /><Text size="xs">{o.tss_by_state[s]}</Text></Group>
                  ))}
                </Group>
              </Stat>
              <Stat label={t('overview.clients')} value={o.registered_clients} />
              <Stat label={t('overview.transactions')} value={o.transactions} />
              <Stat label={t('overview.today')} value={o.transactions_per_day.at(-1)?.transactions ?? 0} />
            </SimpleGrid>
            <Card withBorder padding="lg">
              <Title order={4} mb="sm">{t('overview.perDay')}</Title>
              <TransactionsChart data={o.transactions_per_day} label={t('overview.perDay')} />
            </Card>
          </>
        );
      }}
    </QueryState>
  );
}

function Stat({ label, value, children }: { label: string; value: number; children?: React.ReactNode }) {
  return (
    <Card withBorder padding="md">
      <Text size="sm" c="dimmed">{label}</Text>
      <Text fw={700} fz={28} data-testid={`stat-${label}`}>{value.toLocaleString()}</Text>
      {children}
    </Card>
  );
}

function RecentExports() {
  const { t } = useTranslation();
  const exports = useExports({ limit: 5, offset: 0 });
  return (
    <Card withBorder padding="lg">
      <Group justify="space-between" mb="sm">
        <Title order={4}>{t('overview.recentExports')}</Title>
        <Anchor component={Link} to="/exports" size="sm">{t('overview.allExports')}</Anchor>
      </Group>
      <QueryState q={exports}>
        {(l) =>
          l.count === 0 ? (
            <Text size="sm" c="dimmed">{t('exports.none')}</Text>
          ) : (
            <Table>
              <Table.Tbody>
                {l.data.map((e) => (
                  <Table.Tr key={e._id}>
                    <Table.Td>{formatTime(e.time_request)}</Table.Td>
                    <Table.Td>{e.state}</Table.Td>
                    <Table.Td ta="right">{e.records ?? '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </QueryState>
    </Card>
  );
}

function ApiCard() {
  const { t } = useTranslation();
  const base = useQuery({ queryKey: ['desktop', 'apiBaseURL'], queryFn: apiBaseURL, staleTime: Infinity });
  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="xs">{t('overview.apis')}</Title>
      <Text size="sm" c="dimmed" mb="sm">{t('overview.intro')}</Text>
      <Stack gap="sm">
        {base.data !== undefined && apis.map((a) => <CopyField key={a.path} label={t(a.key)} value={base.data + a.path} />)}
      </Stack>
    </Card>
  );
}

function WorkstationCard() {
  const { t } = useTranslation();
  const health = useHealth();
  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="sm">{t('overview.workstation')}</Title>
      {health.isError ? (
        <Alert color="red" title={t('overview.unreachable')}>{health.error.message}</Alert>
      ) : (
        <Table variant="vertical" withTableBorder={false}>
          <Table.Tbody>
            <Table.Tr>
              <Table.Th w={160}>{t('overview.status')}</Table.Th>
              <Table.Td>{health.data ? t('overview.running') : '…'}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('overview.version')}</Table.Th>
              <Table.Td data-testid="version">{health.data?.version ?? '…'}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('overview.storeFormat')}</Table.Th>
              <Table.Td>{health.data?.store_format ?? '…'}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
