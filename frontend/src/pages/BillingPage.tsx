import { Alert, Button, Card, Code, Group, NumberInput, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconDownload, IconFileInvoice } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Invoice, invoicePdfPath, type PriceList, useGenerateInvoices, useInvoices, useIssueInvoice, usePriceList, useSetPriceList, useUsage } from '../api/billing';
import { errorText } from '../api/errors';
import { QueryState } from '../components/QueryState';
import { StateBadge } from '../components/StateBadge';
import { useDownload } from '../components/useDownload';
import { formatCount, formatMoney } from '../format';
import { useScope } from '../org/scope';

const thisMonth = () => new Date().toISOString().slice(0, 7);

/** Usage, invoices and — for the installation's administrators — the price
 * list and the invoice run. Where billing is withheld for the user there
 * is nothing to ask the server for. */
export function BillingPage() {
  const { t } = useTranslation();
  const { billingVisible, installationAdmin } = useScope();
  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>{t('billing.title')}</Title>
        {/* Where billing is withheld there are no costs to introduce. */}
        {billingVisible && <Text c="dimmed">{t('billing.intro')}</Text>}
      </div>
      {billingVisible ? (
        <>
          <UsageCard />
          <InvoicesCard admin={installationAdmin} />
          {installationAdmin && <PriceListCard />}
        </>
      ) : (
        <Alert color="gray">{t('billing.withheld')}</Alert>
      )}
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
            // On a phone the columns of the figures that do not fit move
            // under the TSS id: nothing scrolls sideways out of sight.
            <Table striped data-testid="usage-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>TSS</Table.Th>
                  <Table.Th visibleFrom="xs">{t('billing.env')}</Table.Th>
                  <Table.Th visibleFrom="xs">{t('billing.inUse')}</Table.Th>
                  <Table.Th ta="right">{t('billing.transactions')}</Table.Th>
                  <Table.Th ta="right" visibleFrom="xs">{t('billing.exports')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {u.tss.map((s) => {
                  const env = s.env === 'TEST' ? `${s.env} · ${t('billing.notBilled')}` : s.env;
                  return (
                    <Table.Tr key={s.tss_id + s.env}>
                      <Table.Td>
                        <Code>{s.tss_id.slice(0, 8)}</Code>
                        <Text size="xs" c="dimmed" hiddenFrom="xs">
                          {[env, s.in_use ? t('billing.inUse') : undefined, `${t('billing.exports')}: ${s.exports}`].filter(Boolean).join(' · ')}
                        </Text>
                      </Table.Td>
                      <Table.Td visibleFrom="xs">{env}</Table.Td>
                      <Table.Td visibleFrom="xs">{s.in_use ? '✓' : '—'}</Table.Td>
                      <Table.Td ta="right">{formatCount(s.transactions)}</Table.Td>
                      <Table.Td ta="right" visibleFrom="xs">{formatCount(s.exports)}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          )
        }
      </QueryState>
    </Card>
  );
}

function InvoicesCard({ admin }: { admin: boolean }) {
  const { t } = useTranslation();
  const invoices = useInvoices();
  const [month, setMonth] = useState(thisMonth());
  const generate = useGenerateInvoices();
  const issue = useIssueInvoice();
  const download = useDownload();
  const pdf = (inv: Invoice) => download.mutate({ path: invoicePdfPath(inv._id), name: `${inv.number ?? t('billing.draftFile') + '-' + inv.month}.pdf`, scoped: false });
  const money = (cents: number, cur: string) => formatMoney(cents / 100, cur);
  const error = generate.error ?? issue.error ?? download.error;
  return (
    <Card withBorder padding="lg">
      <Group justify="space-between" mb="sm" align="flex-end">
        <Title order={4}>{t('billing.invoices')}</Title>
        {admin && (
          <Group gap="xs" align="flex-end">
            <TextInput type="month" aria-label={t('billing.month')} value={month} onChange={(e) => setMonth(e.currentTarget.value || thisMonth())} w={170} />
            <Button variant="light" leftSection={<IconFileInvoice size={16} />} loading={generate.isPending} onClick={() => generate.mutate(month)}>
              {t('billing.generate')}
            </Button>
          </Group>
        )}
      </Group>
      <Stack>
        {error && <Alert color="red">{errorText(t, error)}</Alert>}
        {generate.data && <Alert color="teal">{t('billing.generated', { count: generate.data.drafts })}</Alert>}
        <QueryState q={invoices}>
          {(list) =>
            list.data.length === 0 ? (
              <Text c="dimmed" size="sm">{t('billing.noInvoices')}</Text>
            ) : (
              // Below sm the month and payer move under the number and the
              // buttons stack, so the gross and the PDF stay in view.
              <Table striped data-testid="invoice-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('billing.number')}</Table.Th>
                    <Table.Th visibleFrom="sm">{t('billing.month')}</Table.Th>
                    <Table.Th visibleFrom="sm">{t('billing.payer')}</Table.Th>
                    <Table.Th visibleFrom="md">{t('billing.covers')}</Table.Th>
                    <Table.Th ta="right" visibleFrom="sm">{t('billing.net')}</Table.Th>
                    <Table.Th ta="right">{t('billing.gross')}</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.data.map((inv) => (
                    <Table.Tr key={inv._id}>
                      <Table.Td>
                        <Text size="sm" component="div" style={{ whiteSpace: 'nowrap' }}>{inv.number ?? <StateBadge state="draft" />}</Text>
                        <Text size="xs" c="dimmed" hiddenFrom="sm" style={{ overflowWrap: 'anywhere' }}>{inv.month} · {inv.organization_name}</Text>
                      </Table.Td>
                      <Table.Td visibleFrom="sm" style={{ whiteSpace: 'nowrap' }}>{inv.month}</Table.Td>
                      <Table.Td visibleFrom="sm">{inv.organization_name}</Table.Td>
                      <Table.Td visibleFrom="md">{[...new Set(inv.lines.map((l) => l.organization_name))].join(', ')}</Table.Td>
                      <Table.Td ta="right" visibleFrom="sm" style={{ whiteSpace: 'nowrap' }}>{money(inv.net, inv.currency)}</Table.Td>
                      <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>{money(inv.gross, inv.currency)}</Table.Td>
                      <Table.Td>
                        <Group gap="xs" justify="flex-end">
                          {admin && inv.state === 'draft' && (
                            <Button size="xs" variant="subtle" onClick={() => issue.mutate(inv._id, { onSuccess: (i) => notifications.show({ color: 'teal', message: t('billing.issued', { number: i.number }) }) })}>
                              {t('billing.issue')}
                            </Button>
                          )}
                          <Button size="xs" variant="light" leftSection={<IconDownload size={14} />} onClick={() => pdf(inv)}>PDF</Button>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )
          }
        </QueryState>
      </Stack>
    </Card>
  );
}

/** The installation's prices, in euros in the form and cents on the wire. */
function PriceListCard() {
  const { t } = useTranslation();
  const prices = usePriceList();
  const save = useSetPriceList();
  const toForm = (p?: PriceList) => ({
    tss_per_month: (p?.tss_per_month ?? 0) / 100,
    included_transactions_per_tss: p?.included_transactions_per_tss ?? 0,
    per_1000_transactions: (p?.per_1000_transactions ?? 0) / 100,
    per_export: (p?.per_export ?? 0) / 100,
  });
  const form = useForm({ mode: 'controlled', initialValues: toForm() });
  useEffect(() => {
    if (prices.data) {
      form.setValues(toForm(prices.data));
      form.resetDirty(toForm(prices.data));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [prices.data]);
  const cents = (v: number | string) => Math.round(Number(v) * 100);
  const submit = form.onSubmit((v) =>
    save.mutate(
      { currency: 'EUR', tss_per_month: cents(v.tss_per_month), included_transactions_per_tss: Number(v.included_transactions_per_tss), per_1000_transactions: cents(v.per_1000_transactions), per_export: cents(v.per_export) },
      { onSuccess: () => notifications.show({ color: 'teal', message: t('prices.saved') }) },
    ),
  );
  const euro = { decimalScale: 2, fixedDecimalScale: true, min: 0, max: 1_000_000, suffix: ' €', decimalSeparator: t('prices.decimal'), thousandSeparator: t('prices.thousands') } as const;
  return (
    <Card withBorder padding="lg" data-testid="price-list">
      <Title order={4} mb="xs">{t('prices.title')}</Title>
      <Text size="sm" c="dimmed" mb="sm">{t('prices.intro')}</Text>
      <QueryState q={prices}>
        {() => (
          <form onSubmit={submit} noValidate>
            <Stack>
              {save.error && <Alert color="red">{errorText(t, save.error)}</Alert>}
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <NumberInput label={t('prices.tss')} {...euro} {...form.getInputProps('tss_per_month')} />
                <NumberInput label={t('prices.included')} min={0} max={100_000_000} allowDecimal={false} decimalSeparator={t('prices.decimal')} thousandSeparator={t('prices.thousands')} {...form.getInputProps('included_transactions_per_tss')} />
                <NumberInput label={t('prices.per1000')} {...euro} {...form.getInputProps('per_1000_transactions')} />
                <NumberInput label={t('prices.export')} {...euro} {...form.getInputProps('per_export')} />
              </SimpleGrid>
              <Group justify="flex-end">
                <Button type="submit" disabled={!form.isDirty()} loading={save.isPending}>{t('common.save')}</Button>
              </Group>
            </Stack>
          </form>
        )}
      </QueryState>
    </Card>
  );
}
