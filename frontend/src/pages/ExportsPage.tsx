import { Alert, Button, Card, Checkbox, Code, Group, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconDownload, IconFileExport } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ListFooter } from '../components/ListFooter';
import { useSearchParams } from 'react-router';
import { errorText } from '../api/errors';
import { type ExportFilter, exportFilePath, type ReportInput, reportPath, useExports, useStartExport } from '../api/exports';
import { tssLabel, useTssList } from '../api/tss';
import { JobState } from '../components/JobState';
import { QueryState } from '../components/QueryState';
import { useDownload } from '../components/useDownload';
import { formatTime } from '../format';
import { useScope } from '../org/scope';
import { DsfinvkCard } from './DsfinvkCard';

const PAGE = 20;

/** A day of the date inputs (YYYY-MM-DD) as Unix seconds: its start, or with end its last second. */
export function dayToUnix(day: string, end = false): number | undefined {
  if (!day) return undefined;
  const t = Date.parse(day + 'T00:00:00Z');
  if (Number.isNaN(t)) return undefined;
  return t / 1000 + (end ? 86399 : 0);
}

export function formatSize(bytes?: number): string {
  if (bytes === undefined) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function ExportsPage() {
  const { t } = useTranslation();
  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>{t('exports.title')}</Title>
        <Text c="dimmed">{t('exports.intro')}</Text>
      </div>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <TarExportCard />
        <ReportCard />
      </SimpleGrid>
      <ExportHistory />
      <DsfinvkCard />
    </Stack>
  );
}

function TarExportCard() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const tss = useTssList(['INITIALIZED', 'DISABLED'], { limit: 100, offset: 0 });
  const start = useStartExport();
  const form = useForm({
    mode: 'controlled',
    initialValues: { tss: params.get('tss') ?? '', from: '', to: '', fromTx: '' as number | string, toTx: '' as number | string },
    validate: {
      tss: (v) => (v ? null : t('form.required')),
      to: (v, all) => (v && all.from && v < all.from ? t('exports.toBeforeFrom') : null),
      toTx: (v, all) => (v !== '' && all.fromTx !== '' && Number(v) < Number(all.fromTx) ? t('exports.toBeforeFrom') : null),
    },
  });
  const submit = form.onSubmit((v) => {
    const filter: ExportFilter = {
      start_date: dayToUnix(v.from),
      end_date: dayToUnix(v.to, true),
      start_transaction_number: v.fromTx === '' ? undefined : Number(v.fromTx),
      end_transaction_number: v.toTx === '' ? undefined : Number(v.toTx),
    };
    start.mutate({ tssId: v.tss, filter });
  });
  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="xs">{t('exports.tarTitle')}</Title>
      <Text size="sm" c="dimmed" mb="sm">{t('exports.tarIntro')}</Text>
      <form onSubmit={submit} noValidate>
        <Stack>
          {start.error && <Alert color="red">{errorText(t, start.error)}</Alert>}
          {start.isSuccess && <Alert color="teal">{t('exports.started')}</Alert>}
          <Select
            label="TSS"
            withAsterisk
            placeholder={tss.data?.count === 0 ? t('exports.noTss') : undefined}
            data={(tss.data?.data ?? []).map((s) => ({ value: s._id, label: `${tssLabel(s)} (${t(`states.${s.state}`)})` }))}
            {...form.getInputProps('tss')}
          />
          <SimpleGrid cols={{ base: 1, xs: 2 }}>
            <TextInput type="date" label={t('exports.fromDate')} {...form.getInputProps('from')} />
            <TextInput type="date" label={t('exports.toDate')} {...form.getInputProps('to')} />
            <NumberInput label={t('exports.fromTx')} min={1} allowDecimal={false} {...form.getInputProps('fromTx')} />
            <NumberInput label={t('exports.toTx')} min={1} allowDecimal={false} {...form.getInputProps('toTx')} />
          </SimpleGrid>
          <Group justify="flex-end">
            <Button type="submit" leftSection={<IconFileExport size={16} />} loading={start.isPending}>{t('exports.startTar')}</Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function ReportCard() {
  const { t } = useTranslation();
  const { org } = useScope();
  const report = useDownload();
  const today = new Date().toISOString().slice(0, 10);
  const form = useForm<ReportInput>({
    mode: 'controlled',
    initialValues: { from: today.slice(0, 8) + '01', to: today, format: 'pdf', include_managed: false },
    validate: {
      from: (v) => (v ? null : t('form.required')),
      to: (v, all) => (!v ? t('form.required') : v < all.from ? t('exports.toBeforeFrom') : null),
    },
  });
  const submit = form.onSubmit((v) => report.mutate({ path: reportPath(org._id, v), name: `${t('exports.reportFile')}-${v.from}-${v.to}.${v.format}` }));
  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="xs">{t('exports.reportTitle')}</Title>
      <Text size="sm" c="dimmed" mb="sm">{t('exports.reportIntro', { org: org.name })}</Text>
      <form onSubmit={submit} noValidate>
        <Stack>
          {report.error && <Alert color="red">{errorText(t, report.error)}</Alert>}
          <SimpleGrid cols={{ base: 1, xs: 2 }}>
            <TextInput type="date" label={t('exports.fromDate')} withAsterisk {...form.getInputProps('from')} />
            <TextInput type="date" label={t('exports.toDate')} withAsterisk {...form.getInputProps('to')} />
          </SimpleGrid>
          <div>
            <Text size="sm" fw={500} mb={4}>{t('exports.format')}</Text>
            <SegmentedControl data={['pdf', 'xlsx', 'csv'].map((f) => ({ value: f, label: f.toUpperCase() }))} {...form.getInputProps('format')} />
          </div>
          {org._type === 'ORGANIZATION' && (
            <Checkbox label={t('exports.includeManaged')} {...form.getInputProps('include_managed', { type: 'checkbox' })} />
          )}
          <Group justify="flex-end">
            <Button type="submit" leftSection={<IconDownload size={16} />} loading={report.isPending}>{t('exports.downloadReport')}</Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function ExportHistory() {
  const { t } = useTranslation();
  const [page, setPage] = useState(1);
  const exports = useExports({ limit: PAGE, offset: (page - 1) * PAGE });
  const download = useDownload();
  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="sm">{t('exports.history')}</Title>
      {download.error && <Alert color="red" mb="sm">{errorText(t, download.error)}</Alert>}
      <QueryState q={exports}>
        {(l) =>
          l.count === 0 ? (
            <Text c="dimmed" size="sm">{t('exports.none')}</Text>
          ) : (
            <>
              <Table striped data-testid="export-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('exports.requested')}</Table.Th>
                    <Table.Th visibleFrom="md">TSS</Table.Th>
                    <Table.Th>{t('exports.state')}</Table.Th>
                    <Table.Th ta="right" visibleFrom="sm">{t('exports.records')}</Table.Th>
                    <Table.Th ta="right" visibleFrom="md">{t('exports.size')}</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {l.data.map((e) => (
                    <Table.Tr key={e._id}>
                      <Table.Td>{formatTime(e.time_request)}</Table.Td>
                      <Table.Td visibleFrom="md"><Code>{e.tss_id.slice(0, 8)}</Code></Table.Td>
                      <Table.Td>
                        <JobState state={e.state} error={e.exception} />
                      </Table.Td>
                      <Table.Td ta="right" visibleFrom="sm">{e.records ?? '—'}</Table.Td>
                      <Table.Td ta="right" visibleFrom="md">{formatSize(e.size)}</Table.Td>
                      <Table.Td>
                        {e.state === 'COMPLETED' && (
                          <Button size="xs" variant="light" leftSection={<IconDownload size={14} />} onClick={() => download.mutate({ path: exportFilePath(e), name: `TSE_Export_${e.tss_id}_${e._id}.tar` })}>
                            {t('exports.download')}
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <ListFooter count={l.count} pageSize={PAGE} page={page} onPage={setPage} />
            </>
          )
        }
      </QueryState>
    </Card>
  );
}
