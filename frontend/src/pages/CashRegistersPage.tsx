import { Alert, Badge, Card, Code, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Closing, useCashRegisters, useClosingReports, useClosings } from '../api/exports';
import { ListFooter } from '../components/ListFooter';
import { JobState } from '../components/JobState';
import { QueryState } from '../components/QueryState';
import { formatMoney, formatTime } from '../format';

const PAGE = 20;

/** DSFinV-K: the cash registers the POS reported and their cash point closings with the validation's findings. */
export function CashRegistersPage() {
  const { t } = useTranslation();
  const registers = useCashRegisters();
  const [page, setPage] = useState(1);
  const closings = useClosings({ limit: PAGE, offset: (page - 1) * PAGE });
  const [open, setOpen] = useState<Closing | null>(null);
  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>{t('registers.title')}</Title>
        <Text c="dimmed">{t('registers.intro')}</Text>
      </div>
      <Card withBorder padding="lg">
        <Title order={4} mb="sm">{t('registers.registers')}</Title>
        <QueryState q={registers}>
          {(l) =>
            l.count === 0 ? (
              <Text size="sm" c="dimmed">{t('registers.noRegisters')}</Text>
            ) : (
              <Table.ScrollContainer minWidth={420}><Table striped data-testid="register-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('registers.client')}</Table.Th>
                    <Table.Th>{t('registers.type')}</Table.Th>
                    <Table.Th>{t('registers.model')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {l.data.map((r) => (
                    <Table.Tr key={r.client_id}>
                      <Table.Td><Code>{r.client_id}</Code></Table.Td>
                      <Table.Td>{r.cash_register_type}</Table.Td>
                      <Table.Td>{r.brand} {r.model}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table></Table.ScrollContainer>
            )
          }
        </QueryState>
      </Card>
      <Card withBorder padding="lg">
        <Title order={4} mb="sm">{t('registers.closings')}</Title>
        <QueryState q={closings}>
          {(l) =>
            l.count === 0 ? (
              <Text size="sm" c="dimmed">{t('registers.noClosings')}</Text>
            ) : (
              <>
                <Table.ScrollContainer minWidth={560}><Table striped highlightOnHover data-testid="closing-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th ta="right">Z_NR</Table.Th>
                      <Table.Th>{t('registers.businessDate')}</Table.Th>
                      <Table.Th>{t('registers.state')}</Table.Th>
                      <Table.Th ta="right">{t('registers.amount')}</Table.Th>
                      <Table.Th ta="right">{t('registers.cash')}</Table.Th>
                      <Table.Th>{t('registers.received')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {l.data.map((c) => (
                      <Table.Tr key={c.closing_id} style={{ cursor: 'pointer' }} tabIndex={0} onClick={() => setOpen(c)} onKeyDown={(e) => e.key === 'Enter' && setOpen(c)}>
                        <Table.Td ta="right">{c.cash_point_closing_export_id}</Table.Td>
                        <Table.Td>{c.business_date ?? '—'}</Table.Td>
                        <Table.Td>
                          <JobState state={c.state} error={c.error?.message} />
                        </Table.Td>
                        <Table.Td ta="right">{formatMoney(c.full_amount)}</Table.Td>
                        <Table.Td ta="right">{formatMoney(c.cash_amount)}</Table.Td>
                        <Table.Td>{formatTime(c.time_creation)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table></Table.ScrollContainer>
                <ListFooter count={l.count} pageSize={PAGE} page={page} onPage={setPage} />
              </>
            )
          }
        </QueryState>
      </Card>
      <Modal opened={open !== null} onClose={() => setOpen(null)} title={open ? t('registers.closingTitle', { nr: open.cash_point_closing_export_id }) : ''} size="lg">
        {open && <ClosingReports closing={open} />}
      </Modal>
    </Stack>
  );
}

function ClosingReports({ closing }: { closing: Closing }) {
  const { t } = useTranslation();
  const reports = useClosingReports(closing.closing_id);
  return (
    <Stack>
      {closing.error && <Alert color="red" title={closing.error.code}>{closing.error.message}</Alert>}
      <QueryState q={reports}>
        {(l) =>
          l.count === 0 ? (
            <Alert color="green">{t('registers.noFindings')}</Alert>
          ) : (
            <Table data-testid="closing-reports">
              <Table.Tbody>
                {l.data.map((r) => (
                  <Table.Tr key={r.report_id}>
                    <Table.Td><Badge variant="light" color={r.severity === 'WARNING' ? 'yellow' : 'gray'}>{r.severity}</Badge></Table.Td>
                    <Table.Td><Code>{r.code}</Code></Table.Td>
                    <Table.Td>{r.message}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </QueryState>
    </Stack>
  );
}
