import { Alert, Badge, Button, Card, Group, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconDownload, IconFileExport } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../api/errors';
import { dsfinvkFilePath, useCashRegisters, useDsfinvkExports, useStartDsfinvk } from '../api/exports';
import { JobState } from '../components/JobState';
import { QueryState } from '../components/QueryState';
import { useDownload } from '../components/useDownload';
import { formatTime } from '../format';
import { formatSize } from './ExportsPage';


/** DSFinV-K exports (the CSV set of index.xml) from the completed cash point closings. */
export function DsfinvkCard() {
  const { t } = useTranslation();
  const registers = useCashRegisters();
  const exports = useDsfinvkExports();
  const start = useStartDsfinvk();
  const download = useDownload();
  const form = useForm({
    mode: 'controlled',
    initialValues: { format: 'tar' as 'tar' | 'zip', client_id: null as string | null, from: '', to: '' },
    validate: { to: (v, all) => (v && all.from && v < all.from ? t('exports.toBeforeFrom') : null) },
  });
  const submit = form.onSubmit((v) =>
    start.mutate({ format: v.format, client_id: v.client_id ?? undefined, business_date_start: v.from || undefined, business_date_end: v.to || undefined }),
  );
  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="xs">{t('dsfinvk.title')}</Title>
      <Text size="sm" c="dimmed" mb="sm">{t('dsfinvk.intro')}</Text>
      <form onSubmit={submit} noValidate>
        <Stack>
          {start.error && <Alert color="red">{errorText(t, start.error)}</Alert>}
          {download.error && <Alert color="red">{errorText(t, download.error)}</Alert>}
          <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
            <Select label={t('dsfinvk.register')} placeholder={t('dsfinvk.allRegisters')} clearable
              data={(registers.data?.data ?? []).map((r) => ({ value: r.client_id, label: `${r.brand} ${r.model} (${r.cash_register_type})` }))}
              {...form.getInputProps('client_id')} />
            <TextInput type="date" label={t('dsfinvk.fromBusinessDate')} {...form.getInputProps('from')} />
            <TextInput type="date" label={t('dsfinvk.toBusinessDate')} {...form.getInputProps('to')} />
            <div>
              <Text size="sm" fw={500} mb={4}>{t('exports.format')}</Text>
              <SegmentedControl data={[{ value: 'tar', label: 'TAR' }, { value: 'zip', label: 'ZIP' }]} {...form.getInputProps('format')} />
            </div>
          </SimpleGrid>
          <Group justify="flex-end">
            <Button type="submit" leftSection={<IconFileExport size={16} />} loading={start.isPending}>{t('dsfinvk.start')}</Button>
          </Group>
          {(start.data?.warnings ?? exports.data?.data[0]?.warnings)?.length ? (
            <Alert color="yellow" title={t('dsfinvk.placeholderTitle')} data-testid="dsfinvk-warnings">
              <Text size="sm" mb={4}>{t('dsfinvk.placeholderBody')}</Text>
              {(start.data?.warnings ?? exports.data?.data[0]?.warnings ?? []).map((w) => (
                <Text size="sm" key={w.message}>{w.message}</Text>
              ))}
            </Alert>
          ) : null}
          <QueryState q={exports}>
            {(l) =>
              l.count === 0 ? (
                <Text size="sm" c="dimmed">{t('dsfinvk.none')}</Text>
              ) : (
                <Table.ScrollContainer minWidth={480}><Table striped data-testid="dsfinvk-table">
                  <Table.Tbody>
                    {l.data.map((e) => (
                      <Table.Tr key={e._id}>
                        <Table.Td>{formatTime(e.time_request)}</Table.Td>
                        <Table.Td>
                          <JobState state={e.state} error={e.error?.message} />
                          {e.warnings?.length ? (
                            <Badge color="yellow" variant="light" ml="xs" title={e.warnings.map((w) => w.message).join('\n')}>{t('dsfinvk.placeholderBadge')}</Badge>
                          ) : null}
                        </Table.Td>
                        <Table.Td>{t('dsfinvk.closings', { count: e.cash_point_closings?.length ?? 0 })}</Table.Td>
                        <Table.Td>{e.format.toUpperCase()} · {formatSize(e.size)}</Table.Td>
                        <Table.Td>
                          {e.state === 'COMPLETED' && (
                            <Button size="xs" variant="light" leftSection={<IconDownload size={14} />} onClick={() => download.mutate({ path: dsfinvkFilePath(e), name: `dsfinvk-${e._id}.${e.format}` })}>{t('exports.download')}</Button>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table></Table.ScrollContainer>
              )
            }
          </QueryState>
        </Stack>
      </form>
    </Card>
  );
}
