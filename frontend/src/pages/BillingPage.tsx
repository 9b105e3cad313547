import { Alert, Badge, Button, Card, Code, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconDownload, IconFileInvoice } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Invoice, invoicePdfPath, useGenerateInvoices, useInvoices, useIssueInvoice, useUsage } from '../api/billing';
import { QueryState } from '../components/QueryState';
import { useDownload } from '../components/useDownload';
import { formatMoney } from '../format';
import { useScope } from '../org/scope';

const thisMonth = () => new Date().toISOString().slice(0, 7);

export function BillingPage() {
  const { t } = useTranslation();
  const invoices = useInvoices();
  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>{t('billing.title')}</Title>
        <Text c="dimmed">{t('billing.intro')}</Text>
      </div>
      <QueryState q={invoices}>
        {(list) =>
          list === null ? (
            <Alert color="gray">{t('billing.withheld')}</Alert>
          ) : (
            <>
              <UsageCard />
              <InvoicesCard invoices={list.data} />
            </>
          )
        }
      </QueryState>
    </Stack>
  );
}

function UsageCard() {
  const { t } = useTranslation();
  const { org } = useScope();
  const [month, setMonth] = useState(thisMonth());
  const usage = useUsage(org._id, month);
  return (
    <Card withBorder padding="lg">
      <Group justify="space-between" mb="sm">
        <Title order={4}>{t('billing.usage', { org: org.name })}</Title>
        <TextInput type="month" aria-label={t('billing.month')} value={month} onChange={(e) => setMonth(e.currentTarget.value || thisMonth())} w={180} />
      </Group>
      <QueryState q={usage}>
        {(u) =>
          u.tss.length === 0 ? (
            <Text c="dimmed" size="sm">{t('billing.noUsage')}</Text>
          ) : (
            <Table striped data-testid="usage-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>TSS</Table.Th>
                  <Table.Th>{t('billing.env')}</Table.Th>
                  <Table.Th>{t('billing.inUse')}</Table.Th>
                  <Table.Th ta="right">{t('billing.transactions')}</Table.Th>
                  <Table.Th ta="right">{t('billing.exports')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {u.tss.map((s) => (
                  <Table.Tr key={s.tss_id + s.env}>
                    <Table.Td><Code>{s.tss_id.slice(0, 8)}</Code></Table.Td>
                    <Table.Td>{s.env === 'TEST' ? `${s.env} · ${t('billing.notBilled')}` : s.env}</Table.Td>
                    <Table.Td>{s.in_use ? '✓' : '—'}</Table.Td>
                    <Table.Td ta="right">{s.transactions}</Table.Td>
                    <Table.Td ta="right">{s.exports}</Table.Td>
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

function InvoicesCard({ invoices }: { invoices: Invoice[] }) {
  const { t } = useTranslation();
  const [month, setMonth] = useState(thisMonth());
  const generate = useGenerateInvoices();
  const issue = useIssueInvoice();
  const download = useDownload();
  const pdf = (inv: Invoice) => download.mutate({ path: invoicePdfPath(inv._id), name: `${inv.number ?? 'Entwurf-' + inv.month}.pdf`, scoped: false });
  const money = (cents: number, cur: string) => formatMoney(cents / 100, cur);
  return (
    <Card withBorder padding="lg">
      <Group justify="space-between" mb="sm" align="flex-end">
        <Title order={4}>{t('billing.invoices')}</Title>
        <Group gap="xs" align="flex-end">
          <TextInput type="month" aria-label={t('billing.month')} value={month} onChange={(e) => setMonth(e.currentTarget.value || thisMonth())} w={180} />
          <Button variant="light" leftSection={<IconFileInvoice size={16} />} loading={generate.isPending} onClick={() => generate.mutate(month)}>
            {t('billing.generate')}
          </Button>
        </Group>
      </Group>
      <Stack>
        {(generate.error ?? issue.error) && <Alert color="red">{(generate.error ?? issue.error)!.message}</Alert>}
        {generate.data && <Alert color="teal">{t('billing.generated', { count: generate.data.drafts })}</Alert>}
        {download.error && <Alert color="red">{download.error.message}</Alert>}
        {invoices.length === 0 ? (
          <Text c="dimmed" size="sm">{t('billing.noInvoices')}</Text>
        ) : (
          <Table striped data-testid="invoice-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('billing.number')}</Table.Th>
                <Table.Th>{t('billing.month')}</Table.Th>
                <Table.Th>{t('billing.payer')}</Table.Th>
                <Table.Th>{t('billing.covers')}</Table.Th>
                <Table.Th ta="right">{t('billing.net')}</Table.Th>
                <Table.Th ta="right">{t('billing.gross')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {invoices.map((inv) => (
                <Table.Tr key={inv._id}>
                  <Table.Td>{inv.number ?? <Badge variant="light" color="gray">{t('billing.draft')}</Badge>}</Table.Td>
                  <Table.Td>{inv.month}</Table.Td>
                  <Table.Td>{inv.organization_name}</Table.Td>
                  <Table.Td>{[...new Set(inv.lines.map((l) => l.organization_name))].join(', ')}</Table.Td>
                  <Table.Td ta="right">{money(inv.net, inv.currency)}</Table.Td>
                  <Table.Td ta="right">{money(inv.gross, inv.currency)}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" justify="flex-end" wrap="nowrap">
                      {inv.state === 'draft' && (
                        <Button size="xs" variant="subtle" onClick={() => issue.mutate(inv._id)}>{t('billing.issue')}</Button>
                      )}
                      <Button size="xs" variant="light" leftSection={<IconDownload size={14} />} onClick={() => pdf(inv)}>PDF</Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Card>
  );
}
