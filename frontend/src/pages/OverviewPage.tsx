import { Alert, Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconArrowRight } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useExports } from '../api/exports';
import { useHealth } from '../api/health';
import { type Rollup, type RollupSort, useRollup } from '../api/rollup';
import { CopyField } from '../components/CopyField';
import { QueryState } from '../components/QueryState';
import { StateBadge } from '../components/StateBadge';
import { TransactionsChart } from '../components/TransactionsChart';
import { apiBaseURL } from '../desktop';
import { formatTime } from '../format';
import { orgPath } from '../org/paths';
import { useScope } from '../org/scope';
import { CustomersTable } from './CustomersTable';
import { Stat } from '../components/Stat';

const apis = [
  { key: 'overview.management', path: '/api/v0' },
  { key: 'overview.signde', path: '/api/v2' },
  { key: 'overview.dsfinvk', path: '/api/v1' },
] as const;

const states = ['INITIALIZED', 'UNINITIALIZED', 'CREATED', 'DISABLED'] as const;
const PAGE = 25;

/** The start page of an organization. For a main organization it adds up
 * everything it administers — its customers' TSS, clients and receipts —
 * and lists them; for a managed one it shows its own figures. */
export function OverviewPage() {
  const { t } = useTranslation();
  const { org, env, canWrite } = useScope();
  const live = org._envs.includes('LIVE');
  const managed = org._type === 'MANAGED_ORGANIZATION';
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const [sort, setSort] = useState<{ by: RollupSort; desc: boolean }>({ by: 'name', desc: false });
  const [page, setPage] = useState(1);
  const rollup = useRollup({
    administered: !managed,
    search: debounced || undefined,
    sort: sort.by,
    order: sort.desc ? 'desc' : 'asc',
    limit: PAGE,
    offset: (page - 1) * PAGE,
  });
  return (
    <Stack gap="lg">
      <div>
        <Group gap="sm">
          <Title order={2}>{t('overview.title')}</Title>
          <Badge variant="light" color={live ? 'green' : 'gray'} data-testid="live-badge">{live ? t('overview.live') : t('overview.notLive')}</Badge>
        </Group>
        <Text c="dimmed">{t('overview.scope', { org: org.name, env })}</Text>
      </div>
      <QueryState q={rollup}>
        {(r) => (
          <>
            <Activity r={r} />
            {r.totals.organizations > 1 && (
              <CustomersTable
                rollup={r}
                search={search}
                onSearch={(s) => { setSearch(s); setPage(1); }}
                sort={sort}
                onSort={(s) => { setSort(s); setPage(1); }}
                page={page}
                pageSize={PAGE}
                onPage={setPage}
              />
            )}
          </>
        )}
      </QueryState>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <RecentExports />
        <ApiCard />
      </SimpleGrid>
      {!live && canWrite && (
        <Alert color="blue" title={t('overview.goLiveTitle')}>
          <Text size="sm">{t('overview.goLiveBody')}</Text>
          <Anchor component={Link} to={orgPath(org._id)} size="sm">{t('overview.goLiveLink')}</Anchor>
        </Alert>
      )}
      <WorkstationCard />
    </Stack>
  );
}

function Activity({ r }: { r: Rollup }) {
  const { t } = useTranslation();
  const { org, canWrite } = useScope();
  const o = r.totals;
  const many = o.organizations > 1;
  if (o.tss === 0 && !many)
    return (
      <Alert color="blue" title={t('overview.emptyTitle')}>
        <Stack gap="xs" align="flex-start">
          <Text size="sm">{canWrite ? t('overview.emptyBody') : t('overview.emptyMember')}</Text>
          {canWrite && (
            <Button component={Link} to={orgPath(org._id, 'tss')} size="xs" rightSection={<IconArrowRight size={14} />}>{t('overview.emptyAction')}</Button>
          )}
        </Stack>
      </Alert>
    );
  return (
    <>
      {many && <Text size="sm" c="dimmed" mt={-8}>{t('overview.rollupScope', { count: o.organizations, live: o.live_organizations, org: org.name })}</Text>}
      <SimpleGrid cols={{ base: 2, md: many ? 5 : 4 }} data-testid="rollup-totals">
        {many && <Stat label={t('overview.organizations')} value={o.organizations} />}
        <Stat label={t('overview.tss')} value={o.tss}>
          <Group gap={4} mt={4}>
            {states.filter((s) => (o.tss_by_state[s] ?? 0) > 0).map((s) => (
              <Group key={s} gap={2} wrap="nowrap"><StateBadge state={s} size="sm" /><Text size="xs">{o.tss_by_state[s]}</Text></Group>
            ))}
          </Group>
        </Stat>
        <Stat label={t('overview.clients')} value={o.clients} />
        <Stat label={t('overview.transactions')} value={o.transactions} />
        <Stat label={t('overview.today')} value={o.today}>
          {o.last_activity > 0 && <Text size="xs" c="dimmed" mt={4}>{t('overview.lastActivity', { time: formatTime(o.last_activity) })}</Text>}
        </Stat>
      </SimpleGrid>
      <Card withBorder padding="lg">
        <Title order={4} mb="sm">{many ? t('overview.perDayAll') : t('overview.perDay')}</Title>
        <TransactionsChart data={r.transactions_per_day} label={many ? t('overview.perDayAll') : t('overview.perDay')} />
      </Card>
    </>
  );
}

function RecentExports() {
  const { t } = useTranslation();
  const { org } = useScope();
  const exports = useExports({ limit: 5, offset: 0 });
  return (
    <Card withBorder padding="lg">
      <Group justify="space-between" mb="sm">
        <Title order={4}>{t('overview.recentExports')}</Title>
        <Anchor component={Link} to={orgPath(org._id, 'exports')} size="sm">{t('overview.allExports')}</Anchor>
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
                    <Table.Td><StateBadge state={e.state} /></Table.Td>
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
        <Alert color="red" title={t('overview.unreachable')}>{t('errors.network')}</Alert>
      ) : (
        <Table variant="vertical" withTableBorder={false}>
          <Table.Tbody>
            <Table.Tr>
              <Table.Th w="40%">{t('overview.status')}</Table.Th>
              <Table.Td>{health.data ? t('overview.running') : '…'}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('overview.version')}</Table.Th>
              <Table.Td data-testid="version" style={{ overflowWrap: 'anywhere' }}>{health.data?.version ?? '…'}</Table.Td>
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
