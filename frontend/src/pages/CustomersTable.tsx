import { Anchor, Badge, Box, Card, Group, Stack, Table, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconSearch, IconSelector } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import type { Rollup, RollupRow, RollupSort } from '../api/rollup';
import { ListFooter } from '../components/ListFooter';
import { OrgLogo } from '../components/OrgLogo';
import { formatCount, formatTime } from '../format';
import { orgPath } from '../org/paths';
import { EnvBadges } from '../components/OrgBadges';

interface Props {
  rollup: Rollup;
  search: string;
  onSearch: (s: string) => void;
  sort: { by: RollupSort; desc: boolean };
  onSort: (s: { by: RollupSort; desc: boolean }) => void;
  page: number;
  pageSize: number;
  onPage: (p: number) => void;
}

/** Who pays for a customer, in words (only for users who see billing). */
export function billingText(t: (k: string, o?: Record<string, unknown>) => string, r: RollupRow): string {
  const b = r.billing;
  if (!b) return '';
  const payer = b.bill_to_name ?? (b.bill_to_organization ? t('rollup.billing.otherOrg') : undefined);
  const who = payer
    ? t('rollup.billing.to', { org: payer })
    : r._type === 'MANAGED_ORGANIZATION'
      ? t('rollup.billing.parent')
      : t('rollup.billing.self');
  return b.withhold_billing ? `${who} · ${t('rollup.billing.withheld')}` : who;
}

/** Every organization of the rollup with its figures: searched, sorted and
 * paged on the server; a row opens that organization's page. */
export function CustomersTable({ rollup, search, onSearch, sort, onSort, page, pageSize, onPage }: Props) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const showBilling = rollup.data.some((r) => r.billing);
  const Th = ({ by, label, right, from }: { by: RollupSort; label: string; right?: boolean; from?: 'sm' | 'md' | 'lg' }) => {
    const active = sort.by === by;
    const Icon = active ? (sort.desc ? IconArrowDown : IconArrowUp) : IconSelector;
    return (
      <Table.Th ta={right ? 'right' : undefined} visibleFrom={from} aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
        <UnstyledButton
          onClick={() => onSort({ by, desc: active ? !sort.desc : by !== 'name' })}
          style={{ display: 'inline-flex', alignItems: 'center', gap: 4, fontWeight: 700, fontSize: 'inherit' }}
          data-testid={`sort-${by}`}
        >
          {label}
          <Icon size={14} stroke={1.6} />
        </UnstyledButton>
      </Table.Th>
    );
  };
  return (
    <Card withBorder padding="lg">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-end">
          <div>
            <Title order={4}>{t('rollup.title')}</Title>
            <Text size="sm" c="dimmed">{t('rollup.intro')}</Text>
          </div>
          <TextInput
            leftSection={<IconSearch size={16} />}
            placeholder={t('rollup.search')}
            aria-label={t('rollup.search')}
            value={search}
            onChange={(e) => onSearch(e.currentTarget.value)}
            w={{ base: '100%', sm: 280 }}
            data-testid="rollup-search"
          />
        </Group>
        <Table.ScrollContainer minWidth={0}>
          <Table highlightOnHover striped data-testid="rollup-table">
            <Table.Thead>
              <Table.Tr>
                <Th by="name" label={t('rollup.organization')} />
                <Table.Th visibleFrom="md">{t('org.envs')}</Table.Th>
                <Th by="tss" label={t('rollup.tss')} right from="sm" />
                <Th by="clients" label={t('rollup.clients')} right from="lg" />
                <Th by="transactions" label={t('rollup.transactions')} right />
                <Th by="today" label={t('rollup.today')} right from="sm" />
                <Th by="last_activity" label={t('rollup.lastActivity')} from="md" />
                {showBilling && <Table.Th visibleFrom="lg">{t('rollup.billing.title')}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rollup.data.map((r) => (
                <Table.Tr key={r._id} style={{ cursor: 'pointer' }} onClick={() => navigate(orgPath(r._id))} data-org={r._id}>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      {/* On a phone the figures need the logo's width. */}
                      <Box visibleFrom="xs"><OrgLogo org={r} size={24} /></Box>
                      <div style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
                        <Anchor component={Link} to={orgPath(r._id)} onClick={(e) => e.stopPropagation()}>{r.name}</Anchor>
                        {r.parent_name && <Text size="xs" c="dimmed">{t('rollup.managedBy', { org: r.parent_name })}</Text>}
                        {r._type === 'ORGANIZATION' && r.administered_by_organization_id && (
                          <Text size="xs" c="dimmed">{t('rollup.administered')}</Text>
                        )}
                      </div>
                    </Group>
                  </Table.Td>
                  <Table.Td visibleFrom="md"><EnvBadges envs={r._envs} /></Table.Td>
                  <Table.Td ta="right" visibleFrom="sm" data-col="tss">{r.tss}</Table.Td>
                  <Table.Td ta="right" visibleFrom="lg" data-col="clients">{r.clients}</Table.Td>
                  <Table.Td ta="right" data-col="transactions">{formatCount(r.transactions)}</Table.Td>
                  <Table.Td ta="right" visibleFrom="sm" data-col="today">{r.today}</Table.Td>
                  <Table.Td visibleFrom="md" style={{ whiteSpace: 'nowrap' }}>{r.last_activity ? formatTime(r.last_activity) : '—'}</Table.Td>
                  {showBilling && (
                    <Table.Td visibleFrom="lg">
                      {r.billing?.withhold_billing ? (
                        <Group gap={4} wrap="nowrap">
                          <Text size="sm">{billingText(t, { ...r, billing: { ...r.billing, withhold_billing: false } })}</Text>
                          <Badge size="sm" variant="light" color="orange" style={{ flexShrink: 0 }}>{t('rollup.billing.withheld')}</Badge>
                        </Group>
                      ) : (
                        <Text size="sm">{billingText(t, r)}</Text>
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {rollup.count === 0 && <Text size="sm" c="dimmed">{t('rollup.noMatch')}</Text>}
        <ListFooter count={rollup.count} pageSize={pageSize} page={page} onPage={onPage} />
      </Stack>
    </Card>
  );
}
