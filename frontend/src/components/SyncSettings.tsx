import { Alert, Anchor, Badge, Button, Card, Code, Drawer, Group, Modal, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  conflictText,
  remoteUrlError,
  type SyncStatus,
  useConflicts,
  useConnect,
  usePairWorkstation,
  useRevokeWorkstation,
  useSyncNow,
  useSyncStatus,
  useWorkstations,
  useWorkstationTss,
  type Workstation,
} from '../api/sync';
import { formatTime } from '../format';
import { CopyField } from './CopyField';
import { QueryState } from './QueryState';

const roleColor = { standalone: 'gray', workstation: 'blue', central: 'grape' } as const;

/** Settings › This workstation › Sync: the role, pairing, status, the
 * central's workstations and the conflicts found. */
export function SyncSettings() {
  const { t } = useTranslation();
  const status = useSyncStatus();
  return (
    <Card withBorder padding="lg">
      <Group justify="space-between" mb="sm">
        <Title order={4}>{t('sync.title')}</Title>
        {status.data && (
          <Badge color={roleColor[status.data.role]} variant="light" data-testid="sync-role">
            {t(`sync.role.${status.data.role}`)}
          </Badge>
        )}
      </Group>
      <QueryState q={status}>
        {(s) => (
          <Stack gap="md">
            <Text size="sm">{t(`sync.intro.${s.role}`)}</Text>
            {s.role === 'workstation' && <WorkstationStatus s={s} />}
            {s.can_manage ? (
              <>
                {s.role === 'standalone' && <ConnectForm />}
                {s.role !== 'workstation' && <Workstations />}
                {s.conflicts > 0 && <Conflicts />}
              </>
            ) : (
              <Text size="sm" c="dimmed">{t('sync.adminOnly')}</Text>
            )}
            <Text size="xs" c="dimmed">
              {t('sync.instance')}: <Code>{s.instance}</Code>
            </Text>
          </Stack>
        )}
      </QueryState>
    </Card>
  );
}

function WorkstationStatus({ s }: { s: SyncStatus }) {
  const { t } = useTranslation();
  const now = useSyncNow();
  const canRun = s.can_manage;
  const st = s.state;
  return (
    <Stack gap="xs">
      <Table variant="vertical" withTableBorder>
        <Table.Tbody>
          <Table.Tr>
            <Table.Th w={220}>{t('sync.remote')}</Table.Th>
            <Table.Td><Code>{s.remote?.url}</Code></Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('sync.lastSync')}</Table.Th>
            <Table.Td data-testid="sync-last">{st?.last_sync_at ? formatTime(st.last_sync_at) : t('sync.never')}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('sync.backlog')}</Table.Th>
            <Table.Td data-testid="sync-backlog">{s.backlog}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('sync.totals')}</Table.Th>
            <Table.Td>{t('sync.totalsValue', { pushed: st?.pushed_entries ?? 0, pulled: st?.pulled_entries ?? 0 })}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      {st?.last_error && (
        <Alert color="red" title={t('sync.failing', { n: st.consecutive_failures })}>
          {st.last_error}
          {st.next_attempt_at ? ` · ${t('sync.retryAt', { at: formatTime(st.next_attempt_at) })}` : ''}
        </Alert>
      )}
      {canRun && (
        <Group>
          <Button variant="light" loading={now.isPending} onClick={() => now.mutate()}>{t('sync.now')}</Button>
        </Group>
      )}
      {now.error && <Alert color="red">{now.error.message}</Alert>}
      {now.data && <Alert color="teal">{t('sync.roundDone', now.data)}</Alert>}
    </Stack>
  );
}

function ConnectForm() {
  const { t } = useTranslation();
  const connect = useConnect();
  const form = useForm({
    mode: 'controlled',
    initialValues: { url: '', credential: '', ca_pem: '' },
    validate: {
      url: (v) => {
        const e = remoteUrlError(v);
        return e ? t(`sync.urlError.${e}`) : null;
      },
      credential: (v) => (v.trim().startsWith('fdsync_') ? null : t('sync.credentialError')),
    },
  });
  return (
    <form onSubmit={form.onSubmit((v) => connect.mutate({ url: v.url.trim(), credential: v.credential.trim(), ca_pem: v.ca_pem || undefined }))}>
      <Stack gap="sm">
        <Title order={5}>{t('sync.connectTitle')}</Title>
        <TextInput label={t('sync.url')} placeholder="https://central.example.com" {...form.getInputProps('url')} />
        <TextInput label={t('sync.credential')} placeholder="fdsync_…" {...form.getInputProps('credential')} />
        <Textarea label={t('sync.ca')} description={t('sync.caHint')} minRows={3} rows={3} {...form.getInputProps('ca_pem')} />
        {connect.error && <Alert color="red">{connect.error.message}</Alert>}
        <Group>
          <Button type="submit" loading={connect.isPending}>{t('sync.connect')}</Button>
        </Group>
      </Stack>
    </form>
  );
}

function Workstations() {
  const { t } = useTranslation();
  const list = useWorkstations(true);
  const pair = usePairWorkstation();
  const revoke = useRevokeWorkstation();
  const [credential, setCredential] = useState<string | null>(null);
  const [shown, setShown] = useState<Workstation | null>(null);
  const form = useForm({
    mode: 'controlled',
    initialValues: { name: '' },
    validate: { name: (v) => (v.trim().length >= 1 && v.trim().length <= 100 ? null : t('sync.nameError')) },
  });
  return (
    <Stack gap="sm">
      <Title order={5}>{t('sync.workstations')}</Title>
      <QueryState q={list}>
        {(l) =>
          l.data.length === 0 ? (
            <Text size="sm" c="dimmed">{t('sync.noWorkstations')}</Text>
          ) : (
            <Table striped withTableBorder>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('sync.name')}</Table.Th>
                  <Table.Th>{t('sync.lastSeen')}</Table.Th>
                  <Table.Th>{t('sync.tss')}</Table.Th>
                  <Table.Th>{t('sync.transactions')}</Table.Th>
                  <Table.Th>{t('sync.entries')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {l.data.map((w) => (
                  <Table.Tr key={w.id}>
                    <Table.Td>
                      <Anchor component="button" type="button" onClick={() => setShown(w)}>{w.name}</Anchor>
                    </Table.Td>
                    <Table.Td>{w.last_seen_at ? formatTime(w.last_seen_at) : t('sync.never')}</Table.Td>
                    <Table.Td>{w.tss}</Table.Td>
                    <Table.Td>{w.transactions}</Table.Td>
                    <Table.Td>{w.entries}</Table.Td>
                    <Table.Td>
                      {w.revoked_at ? (
                        <Badge color="gray">{t('sync.revoked')}</Badge>
                      ) : (
                        <Button size="xs" variant="subtle" color="red" loading={revoke.isPending} onClick={() => revoke.mutate(w.id)}>
                          {t('sync.revoke')}
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </QueryState>
      <form onSubmit={form.onSubmit((v) => pair.mutate(v.name.trim(), { onSuccess: (r) => { setCredential(r.credential); form.reset(); } }))}>
        <Group align="flex-end">
          <TextInput label={t('sync.pairName')} placeholder={t('sync.pairPlaceholder')} {...form.getInputProps('name')} />
          <Button type="submit" variant="light" loading={pair.isPending}>{t('sync.pair')}</Button>
        </Group>
      </form>
      {pair.error && <Alert color="red">{pair.error.message}</Alert>}
      <WorkstationDrawer ws={shown} onClose={() => setShown(null)} />
      <Modal opened={credential !== null} onClose={() => setCredential(null)} title={t('sync.credentialTitle')} size="lg" closeOnClickOutside={false}>
        <Stack>
          <Alert color="orange" icon={<IconAlertTriangle size={18} />} title={t('keys.onceTitle')}>{t('sync.credentialOnce')}</Alert>
          <CopyField label={t('sync.credential')} value={credential ?? ''} />
          <Group justify="flex-end">
            <Button onClick={() => setCredential(null)}>{t('keys.stored')}</Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

/** The central view of one workstation: every TSS it signs, in any organization. */
function WorkstationDrawer({ ws, onClose }: { ws: Workstation | null; onClose: () => void }) {
  const { t } = useTranslation();
  const list = useWorkstationTss(ws?.id ?? null);
  return (
    <Drawer opened={ws !== null} onClose={onClose} position="right" size="xl" title={ws?.name}>
      <Stack>
        <Text size="sm">{t('sync.wsIntro')}</Text>
        <QueryState q={list}>
          {(l) =>
            l.data.length === 0 ? (
              <Text c="dimmed">{t('sync.wsNoTss')}</Text>
            ) : (
              <Table striped withTableBorder data-testid="workstation-tss">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('sync.organization')}</Table.Th>
                    <Table.Th>TSS</Table.Th>
                    <Table.Th>{t('sync.state')}</Table.Th>
                    <Table.Th>{t('sync.transactions')}</Table.Th>
                    <Table.Th>{t('sync.signatures')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {l.data.map((x) => (
                    <Table.Tr key={x._id}>
                      <Table.Td>{x.organization_name}</Table.Td>
                      <Table.Td><Code>{x._id}</Code> <Badge size="xs" variant="light">{x._env}</Badge></Table.Td>
                      <Table.Td>{x.state}</Table.Td>
                      <Table.Td>{x.transaction_counter}</Table.Td>
                      <Table.Td>{x.signature_counter}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )
          }
        </QueryState>
        <Text size="sm" c="dimmed">{t('sync.wsExport')}</Text>
        <Code block>{'fiskaldesk export tss --tss <TSS id> --out tss.tar --api-key … --api-secret …\nfiskaldesk verify tss.tar'}</Code>
      </Stack>
    </Drawer>
  );
}

function Conflicts() {
  const { t } = useTranslation();
  const list = useConflicts(true);
  return (
    <Stack gap="sm">
      <Title order={5}>{t('sync.conflicts')}</Title>
      <Text size="sm">{t('sync.conflictsIntro')}</Text>
      <QueryState q={list}>
        {(l) => (
          <Table withTableBorder data-testid="sync-conflicts">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('sync.key')}</Table.Th>
                <Table.Th>{t('sync.kept')}</Table.Th>
                <Table.Th>{t('sync.lost')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {l.data.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td><Code>{c.key}</Code></Table.Td>
                  <Table.Td>
                    <Text size="xs" c="dimmed">{formatTime(Date.parse(c.kept.at) / 1000)}</Text>
                    <Code block>{conflictText(c.kept) || t('sync.deleted')}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" c="dimmed">{formatTime(Date.parse(c.lost.at) / 1000)}</Text>
                    <Code block>{conflictText(c.lost) || t('sync.deleted')}</Code>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Stack>
  );
}
