import { Alert, Anchor, Button, Chip, Code, Group, Modal, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { errorText } from '../api/errors';
import { descriptionPattern, type Tss, type TssState, tssLabel, useTssAction, useTssList } from '../api/tss';
import { CopyField } from '../components/CopyField';
import { ListFooter } from '../components/ListFooter';
import { QueryState } from '../components/QueryState';
import { StateBadge } from '../components/StateBadge';
import { formatTime } from '../format';
import { orgPath } from '../org/paths';
import { useScope } from '../org/scope';

const PAGE = 20;
export const tssStates: TssState[] = ['CREATED', 'UNINITIALIZED', 'INITIALIZED', 'DISABLED'];

export function TssStateBadge({ state }: { state: TssState }) {
  return <StateBadge state={state} />;
}

export function TssListPage() {
  const { t } = useTranslation();
  const { org, env, canWrite } = useScope();
  const [states, setStates] = useState<string[]>([]);
  const [page, setPage] = useState(1);
  const list = useTssList(states, { limit: PAGE, offset: (page - 1) * PAGE });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Tss | null>(null);
  const navigate = useNavigate();
  const detail = (id: string) => orgPath(org._id, 'tss', `/${id}`);

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{t('tss.title')}</Title>
          <Text c="dimmed">{t('tss.intro', { org: org.name, env })}</Text>
        </div>
        {canWrite && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
            {t('tss.create')}
          </Button>
        )}
      </Group>
      <Chip.Group multiple value={states} onChange={(v) => { setStates(v); setPage(1); }}>
        <Group gap="xs" aria-label={t('tss.filterState')}>
          {tssStates.map((s) => <Chip key={s} value={s} size="sm">{t(`states.${s}`)}</Chip>)}
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
                    <Table.Th visibleFrom="md">{t('tss.serial')}</Table.Th>
                    <Table.Th ta="right" visibleFrom="sm">{t('tss.transactions')}</Table.Th>
                    <Table.Th visibleFrom="md">{t('tss.created')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {l.data.map((s) => (
                    <Table.Tr key={s._id} style={{ cursor: 'pointer' }} onClick={() => navigate(detail(s._id))}>
                      <Table.Td style={{ overflowWrap: 'anywhere' }}>
                        <Anchor component={Link} to={detail(s._id)} onClick={(e) => e.stopPropagation()}>{tssLabel(s)}</Anchor>
                      </Table.Td>
                      <Table.Td><TssStateBadge state={s.state} /></Table.Td>
                      <Table.Td visibleFrom="md"><Code>{s.serial_number.slice(0, 16)}…</Code></Table.Td>
                      <Table.Td ta="right" visibleFrom="sm">{s.transaction_counter ?? '—'}</Table.Td>
                      <Table.Td visibleFrom="md">{formatTime(s.time_creation)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <ListFooter count={l.count} pageSize={PAGE} page={page} onPage={setPage} />
            </>
          )
        }
      </QueryState>
      {creating && <CreateTssModal onClose={() => setCreating(false)} onCreated={(tss) => { setCreating(false); setCreated(tss); }} />}
      <Modal opened={created !== null} onClose={() => setCreated(null)} title={t('tss.createdTitle')} closeOnClickOutside={false}>
        {created && (
          <Stack>
            <Alert color="orange" title={t('tss.pukOnceTitle')}>{t('tss.pukOnceBody')}</Alert>
            <CopyField label={t('tss.puk')} value={created.admin_puk ?? ''} />
            <CopyField label={t('tss.id')} value={created._id} />
            <Group justify="flex-end">
              <Button onClick={() => { const id = created._id; setCreated(null); navigate(detail(id)); }}>{t('tss.pukStored')}</Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

/** A new TSS with the description it is listed by. The API takes a
 * description only when the TSS is initialized; until then it is kept in
 * the TSS's metadata, and the initialization writes it into the TSS. */
function CreateTssModal({ onClose, onCreated }: { onClose: () => void; onCreated: (tss: Tss) => void }) {
  const { t } = useTranslation();
  const create = useTssAction((send, description: string) =>
    send<Tss>('PUT', `/tss/${crypto.randomUUID()}`, description ? { metadata: { description } } : {}),
  );
  const form = useForm({
    mode: 'controlled',
    initialValues: { description: '' },
    validate: { description: (v) => (descriptionPattern.test(v.trim()) ? null : t('tss.descriptionInvalid')) },
  });
  return (
    <Modal opened onClose={onClose} title={t('tss.create')}>
      <form onSubmit={form.onSubmit((v) => create.mutate(v.description.trim(), { onSuccess: onCreated }))} noValidate>
        <Stack>
          {create.error && <Alert color="red">{errorText(t, create.error)}</Alert>}
          <TextInput label={t('tss.description')} description={t('tss.descriptionHint')} placeholder="Kasse 1 Filiale Nord" maxLength={100} data-autofocus {...form.getInputProps('description')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="submit" loading={create.isPending}>{t('tss.createSubmit')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
