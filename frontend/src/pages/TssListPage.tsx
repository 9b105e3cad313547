import { Alert, Badge, Button, Chip, Code, Group, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ListFooter } from '../components/ListFooter';
import { Link, useNavigate } from 'react-router';
import { type Tss, type TssState, useTssAction, useTssList } from '../api/tss';
import { CopyField } from '../components/CopyField';
import { QueryState } from '../components/QueryState';
import { formatTime } from '../format';
import { useScope } from '../org/scope';

const PAGE = 20;
export const tssStates: TssState[] = ['CREATED', 'UNINITIALIZED', 'INITIALIZED', 'DISABLED'];
const stateColor: Record<TssState, string> = { CREATED: 'gray', UNINITIALIZED: 'yellow', INITIALIZED: 'green', DISABLED: 'red' };

export function TssStateBadge({ state }: { state: TssState }) {
  return <Badge color={stateColor[state]} variant="light">{state}</Badge>;
}

export function TssListPage() {
  const { t } = useTranslation();
  const { org, env, canWrite } = useScope();
  const [states, setStates] = useState<string[]>([]);
  const [page, setPage] = useState(1);
  const list = useTssList(states, { limit: PAGE, offset: (page - 1) * PAGE });
  const create = useTssAction((send, id: string) => send<Tss>('PUT', `/tss/${id}`, {}));
  const [created, setCreated] = useState<Tss | null>(null);
  const navigate = useNavigate();

  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <div>
          <Title order={2}>{t('tss.title')}</Title>
          <Text c="dimmed">{t('tss.intro', { org: org.name, env })}</Text>
        </div>
        <Button
          leftSection={<IconPlus size={16} />}
          disabled={!canWrite}
          loading={create.isPending}
          onClick={() => create.mutate(crypto.randomUUID(), { onSuccess: setCreated })}
        >
          {t('tss.create')}
        </Button>
      </Group>
      {create.error && <Alert color="red">{create.error.message}</Alert>}
      <Chip.Group multiple value={states} onChange={(v) => { setStates(v); setPage(1); }}>
        <Group gap="xs" aria-label={t('tss.filterState')}>
          {tssStates.map((s) => <Chip key={s} value={s} size="sm">{s}</Chip>)}
        </Group>
      </Chip.Group>
      <QueryState q={list}>
        {(l) =>
          l.count === 0 ? (
            <Alert color="blue" title={t('tss.emptyTitle')}>{states.length ? t('tss.emptyFiltered') : t('tss.emptyBody')}</Alert>
          ) : (
            <>
              <Table withTableBorder striped highlightOnHover data-testid="tss-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('tss.description')}</Table.Th>
                    <Table.Th>{t('tss.state')}</Table.Th>
                    <Table.Th>{t('tss.serial')}</Table.Th>
                    <Table.Th ta="right">{t('tss.transactions')}</Table.Th>
                    <Table.Th>{t('tss.created')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {l.data.map((s) => (
                    <Table.Tr key={s._id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/tss/${s._id}`)}>
                      <Table.Td><Link to={`/tss/${s._id}`} onClick={(e) => e.stopPropagation()}>{s.description ?? s._id}</Link></Table.Td>
                      <Table.Td><TssStateBadge state={s.state} /></Table.Td>
                      <Table.Td><Code>{s.serial_number.slice(0, 16)}…</Code></Table.Td>
                      <Table.Td ta="right">{s.transaction_counter ?? '—'}</Table.Td>
                      <Table.Td>{formatTime(s.time_creation)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <ListFooter count={l.count} pageSize={PAGE} page={page} onPage={setPage} />
            </>
          )
        }
      </QueryState>
      <Modal opened={created !== null} onClose={() => setCreated(null)} title={t('tss.createdTitle')} closeOnClickOutside={false}>
        {created && (
          <Stack>
            <Alert color="orange" title={t('tss.pukOnceTitle')}>{t('tss.pukOnceBody')}</Alert>
            <CopyField label={t('tss.puk')} value={created.admin_puk ?? ''} />
            <CopyField label={t('tss.id')} value={created._id} />
            <Group justify="flex-end">
              <Button onClick={() => { const id = created._id; setCreated(null); navigate(`/tss/${id}`); }}>{t('tss.pukStored')}</Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}
