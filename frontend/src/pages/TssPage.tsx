import { Alert, Button, Card, Code, Group, Modal, PasswordInput, SimpleGrid, Stack, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useForm } from '@mantine/form';
import { IconDownload } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ListFooter } from '../components/ListFooter';
import { useParams } from 'react-router';
import { errorText } from '../api/errors';
import { type Client, descriptionPattern, type Tss, type TssState, tssLabel, useClients, useTss, useTssAction } from '../api/tss';
import { CopyField } from '../components/CopyField';
import { QueryState } from '../components/QueryState';
import { TransactionsTable } from '../components/TransactionsTable';
import { saveBlob } from '../desktop';
import { formatTime } from '../format';
import { useScope } from '../org/scope';
import { StateBadge } from '../components/StateBadge';
import { TssStateBadge } from './TssListPage';

export function TssPage() {
  const { id = '' } = useParams();
  const tss = useTss(id);
  return <QueryState q={tss}>{(s) => <TssDetail tss={s} />}</QueryState>;
}

/** Saves the DER certificate under the name TSE exports use for it. */
function downloadCertificate(tss: Tss) {
  const der = Uint8Array.from(atob(tss.certificate), (c) => c.charCodeAt(0));
  void saveBlob(new Blob([der], { type: 'application/pkix-cert' }), `${tss.serial_number}_X509.der`);
}

function TssDetail({ tss }: { tss: Tss }) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<string | null>('transactions');
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-start">
        <div style={{ minWidth: 0 }}>
          <Group gap="sm">
            <Title order={2} style={{ overflowWrap: 'anywhere' }}>{tssLabel(tss)}</Title>
            <TssStateBadge state={tss.state} />
          </Group>
          <Text c="dimmed" size="xs" ff="monospace" style={{ overflowWrap: 'anywhere' }}>{tss._id}</Text>
        </div>
        <Button variant="light" leftSection={<IconDownload size={16} />} onClick={() => downloadCertificate(tss)}>
          {t('tss.certificate')}
        </Button>
      </Group>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Card withBorder padding="lg">
          <Title order={4} mb="sm">{t('tss.details')}</Title>
          <Table variant="vertical">
            <Table.Tbody>
              <Row label={t('tss.signatureCounter')} value={tss.signature_counter ?? '—'} />
              <Row label={t('tss.transactionCounter')} value={tss.transaction_counter ?? '—'} />
              <Row label={t('tss.clients')} value={tss.number_registered_clients !== undefined ? `${tss.number_registered_clients} / ${tss.max_number_registered_clients}` : '—'} />
              <Row label={t('tss.activeTx')} value={tss.number_active_transactions ?? '—'} />
              <Row label={t('tss.algorithm')} value={tss.signature_algorithm} />
              <Row label={t('tss.created')} value={formatTime(tss.time_creation)} />
              <Row label={t('tss.initialized')} value={tss.time_init ? formatTime(tss.time_init) : '—'} />
            </Table.Tbody>
          </Table>
          <Stack gap="xs" mt="md">
            <CopyField label={t('tss.serial')} value={tss.serial_number} />
            <CopyField label={t('tss.publicKey')} value={tss.public_key} />
          </Stack>
        </Card>
        <AdminCard tss={tss} />
      </SimpleGrid>
      <Tabs value={tab} onChange={setTab}>
        <Tabs.List>
          <Tabs.Tab value="transactions">{t('tss.transactions')}</Tabs.Tab>
          <Tabs.Tab value="clients">{t('tss.clients')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="transactions" pt="md">
          <TransactionsTable tssId={tss._id} />
        </Tabs.Panel>
        <Tabs.Panel value="clients" pt="md">
          <ClientsPanel tss={tss} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function Row({ label, value }: { label: string; value: string | number }) {
  return (
    <Table.Tr>
      {/* Not a fixed layout: a German label ("Transaktionszähler") is
          wider than 45 % of a phone and ran over its value. */}
      <Table.Th w="45%">{label}</Table.Th>
      <Table.Td style={{ overflowWrap: 'anywhere' }}>{value}</Table.Td>
    </Table.Tr>
  );
}

type Step = { kind: 'pin' } | { kind: 'state'; to: TssState };

/** The admin actions a TSS allows in its state, in the order of its lifecycle. */
function AdminCard({ tss }: { tss: Tss }) {
  const { t } = useTranslation();
  const { canWrite } = useScope();
  const [step, setStep] = useState<Step | null>(null);
  const deploy = useTssAction((send) => send('PATCH', `/tss/${tss._id}`, { state: 'UNINITIALIZED' }));
  const s = tss.state;
  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="sm">{t('tss.admin')}</Title>
      <Stack>
        <Text size="sm" c="dimmed">{t(`tss.next.${s}`)}</Text>
        {!canWrite && <Text size="sm" c="dimmed">{t('tss.membersLook')}</Text>}
        {deploy.error && <Alert color="red">{errorText(t, deploy.error)}</Alert>}
        {canWrite && (
          <Group>
            {s === 'CREATED' && (
              <Button loading={deploy.isPending} onClick={() => deploy.mutate(undefined)}>{t('tss.deploy')}</Button>
            )}
            {(s === 'UNINITIALIZED' || s === 'INITIALIZED') && (
              <Button variant="light" onClick={() => setStep({ kind: 'pin' })}>{t('tss.setPin')}</Button>
            )}
            {s === 'UNINITIALIZED' && (
              <Button onClick={() => setStep({ kind: 'state', to: 'INITIALIZED' })}>{t('tss.initialize')}</Button>
            )}
            {(s === 'UNINITIALIZED' || s === 'INITIALIZED') && (
              <Button color="red" variant="light" onClick={() => setStep({ kind: 'state', to: 'DISABLED' })}>
                {t('tss.disable')}
              </Button>
            )}
          </Group>
        )}
      </Stack>
      {step?.kind === 'pin' && <PinModal tss={tss} onClose={() => setStep(null)} />}
      {step?.kind === 'state' && <StateModal tss={tss} to={step.to} onClose={() => setStep(null)} />}
    </Card>
  );
}

/** Sets (or unblocks) the admin PIN with the PUK shown at creation. */
function PinModal({ tss, onClose }: { tss: Tss; onClose: () => void }) {
  const { t } = useTranslation();
  const set = useTssAction((send, v: { admin_puk: string; new_admin_pin: string }) => send('PATCH', `/tss/${tss._id}/admin`, v));
  const form = useForm({
    mode: 'controlled',
    initialValues: { admin_puk: '', new_admin_pin: '' },
    validate: {
      admin_puk: (v) => (/^\d{10}$/.test(v) ? null : t('tss.pukInvalid')),
      new_admin_pin: (v) => (v.length >= 6 ? null : t('tss.pinShort')),
    },
  });
  return (
    <Modal opened onClose={onClose} title={t('tss.setPin')}>
      <form onSubmit={form.onSubmit((v) => set.mutate(v, { onSuccess: () => { onClose(); notifications.show({ color: 'teal', message: t('tss.pinSet') }); } }))} noValidate>
        <Stack>
          {set.error && <Alert color="red">{errorText(t, set.error)}</Alert>}
          <PasswordInput label={t('tss.puk')} withAsterisk data-autofocus {...form.getInputProps('admin_puk')} />
          <PasswordInput label={t('tss.newPin')} withAsterisk {...form.getInputProps('new_admin_pin')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="submit" loading={set.isPending}>{t('common.save')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Logs in as admin with the PIN, then changes the state. */
function StateModal({ tss, to, onClose }: { tss: Tss; to: TssState; onClose: () => void }) {
  const { t } = useTranslation();
  const change = useTssAction(async (send, v: { pin: string; description: string }) => {
    await send('POST', `/tss/${tss._id}/admin/auth`, { admin_pin: v.pin });
    const description = v.description.trim();
    return send('PATCH', `/tss/${tss._id}`, to === 'INITIALIZED' && description ? { state: to, description } : { state: to });
  });
  const form = useForm({
    mode: 'controlled',
    initialValues: { pin: '', description: tss.metadata?.description ?? '' },
    validate: {
      pin: (v) => (v ? null : t('form.required')),
      description: (v) => (descriptionPattern.test(v.trim()) ? null : t('tss.descriptionInvalid')),
    },
  });
  return (
    <Modal opened onClose={onClose} title={to === 'DISABLED' ? t('tss.disable') : t('tss.initialize')}>
      <form onSubmit={form.onSubmit((v) => change.mutate(v, { onSuccess: onClose }))} noValidate>
        <Stack>
          {to === 'DISABLED' && <Alert color="red">{t('tss.disableWarning')}</Alert>}
          {change.error && <Alert color="red">{errorText(t, change.error, { 401: 'tss.pinWrong' })}</Alert>}
          {to === 'INITIALIZED' && (
            <TextInput label={t('tss.description')} description={t('tss.descriptionInit')} maxLength={100} {...form.getInputProps('description')} />
          )}
          <PasswordInput label={t('tss.adminPin')} withAsterisk data-autofocus {...form.getInputProps('pin')} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="submit" color={to === 'DISABLED' ? 'red' : undefined} loading={change.isPending}>
              {to === 'DISABLED' ? t('tss.disable') : t('tss.initialize')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

const CLIENT_PAGE = 20;

function ClientsPanel({ tss }: { tss: Tss }) {
  const { t } = useTranslation();
  const { canWrite } = useScope();
  const [page, setPage] = useState(1);
  const clients = useClients(tss._id, { limit: CLIENT_PAGE, offset: (page - 1) * CLIENT_PAGE });
  const register = useTssAction((send, serial: string) => send<Client>('PUT', `/tss/${tss._id}/client/${crypto.randomUUID()}`, { serial_number: serial }));
  const setState = useTssAction((send, c: Client) =>
    send('PATCH', `/tss/${tss._id}/client/${c._id}`, { state: c.state === 'REGISTERED' ? 'DEREGISTERED' : 'REGISTERED' }),
  );
  const form = useForm({ mode: 'controlled', initialValues: { serial: '' }, validate: { serial: (v) => (v.trim() ? null : t('form.required')) } });
  return (
    <Stack>
      {tss.state === 'INITIALIZED' && canWrite && (
        <form onSubmit={form.onSubmit((v) => register.mutate(v.serial.trim(), { onSuccess: () => form.reset() }))} noValidate>
          <Group align="flex-end">
            <TextInput label={t('tss.clientSerial')} placeholder="KASSE-01" {...form.getInputProps('serial')} />
            <Button type="submit" loading={register.isPending}>{t('tss.registerClient')}</Button>
          </Group>
        </form>
      )}
      {(register.error ?? setState.error) && <Alert color="red">{errorText(t, register.error ?? setState.error)}</Alert>}
      <QueryState q={clients}>
        {(l) =>
          l.count === 0 ? (
            <Text c="dimmed" size="sm">{t('tss.noClients')}</Text>
          ) : (
            <>
              <Table withTableBorder striped data-testid="client-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('tss.clientSerial')}</Table.Th>
                    <Table.Th visibleFrom="md">{t('tss.clientId')}</Table.Th>
                    <Table.Th>{t('tss.state')}</Table.Th>
                    <Table.Th visibleFrom="sm">{t('tss.created')}</Table.Th>
                    {canWrite && <Table.Th />}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {l.data.map((c) => (
                    <Table.Tr key={c._id}>
                      <Table.Td style={{ overflowWrap: 'anywhere' }}>{c.serial_number}</Table.Td>
                      <Table.Td visibleFrom="md"><Code>{c._id}</Code></Table.Td>
                      <Table.Td><StateBadge state={c.state} /></Table.Td>
                      <Table.Td visibleFrom="sm">{formatTime(c.time_creation)}</Table.Td>
                      {canWrite && (
                        <Table.Td>
                          <Button size="xs" variant="subtle" onClick={() => setState.mutate(c)}>
                            {c.state === 'REGISTERED' ? t('tss.deregister') : t('tss.reregister')}
                          </Button>
                        </Table.Td>
                      )}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <ListFooter count={l.count} pageSize={CLIENT_PAGE} page={page} onPage={setPage} />
            </>
          )
        }
      </QueryState>
    </Stack>
  );
}
