import { ActionIcon, Alert, Badge, Box, Button, Code, Group, Modal, SegmentedControl, Stack, Switch, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ListFooter } from '../components/ListFooter';
import { errorText } from '../api/errors';
import { type ApiKey, useCreateKey, useDeleteKey, useKeys, useSetKeyStatus } from '../api/keys';
import { QueryState } from '../components/QueryState';
import { SecretReveal } from '../components/SecretReveal';
import { keyName } from '../components/validation';
import { useScope } from '../org/scope';
import { formatTime } from '../format';

const PAGE = 25;

const envBadge = (env: string) => (
  <Badge size="sm" variant="outline" color={env === 'LIVE' ? 'green' : 'blue'}>{env}</Badge>
);

export function ApiKeysPage() {
  const { t } = useTranslation();
  const { org, canWrite } = useScope();
  const [page, setPage] = useState(1);
  const keys = useKeys(org._id, { limit: PAGE, offset: (page - 1) * PAGE });
  const [creating, create] = useDisclosure();
  const [secret, setSecret] = useState<ApiKey | null>(null);
  const [deleting, setDeleting] = useState<ApiKey | null>(null);
  const setStatus = useSetKeyStatus(org._id);

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>{t('keys.title')}</Title>
          <Text c="dimmed">{t('keys.intro', { org: org.name })}</Text>
        </div>
        {canWrite && (
          <Button leftSection={<IconPlus size={16} />} onClick={create.open}>
            {t('keys.create')}
          </Button>
        )}
      </Group>
      {setStatus.error && <Alert color="red">{errorText(t, setStatus.error)}</Alert>}
      <QueryState q={keys}>
        {(list) =>
          list.count === 0 ? (
            <Alert color="blue" title={t('keys.emptyTitle')}>{t('keys.emptyBody')}</Alert>
          ) : (
            <>
              <Table withTableBorder striped data-testid="key-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('keys.name')}</Table.Th>
                    <Table.Th visibleFrom="md">{t('keys.key')}</Table.Th>
                    <Table.Th visibleFrom="sm">{t('keys.env')}</Table.Th>
                    <Table.Th visibleFrom="lg">{t('keys.created')}</Table.Th>
                    <Table.Th>{t('keys.enabled')}</Table.Th>
                    {canWrite && <Table.Th />}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.data.map((k) => (
                    <Table.Tr key={k._id}>
                      <Table.Td style={{ overflowWrap: 'anywhere' }}>
                        {k.name}
                        {/* On a phone the environment joins the name's badges:
                            a column of its own left the name no room. */}
                        <Group gap={4} mt={2} wrap="wrap">
                          <Box hiddenFrom="sm">{envBadge(k._envs[0])}</Box>
                          {k._type === 'MANAGED_API_KEY' && <Badge size="xs" variant="light" color="grape">{t('scope.managed')}</Badge>}
                        </Group>
                      </Table.Td>
                      <Table.Td visibleFrom="md"><Code style={{ wordBreak: 'break-all' }}>{k.key}</Code></Table.Td>
                      <Table.Td visibleFrom="sm">{envBadge(k._envs[0])}</Table.Td>
                      <Table.Td visibleFrom="lg">{k.created_at ? formatTime(k.created_at) : '—'}</Table.Td>
                      <Table.Td>
                        <Switch
                          aria-label={t('keys.toggle', { name: k.name })}
                          checked={k.status === 'enabled'}
                          disabled={!canWrite}
                          onChange={(e) => {
                            const status = e.currentTarget.checked ? 'enabled' : 'disabled';
                            setStatus.mutate({ id: k._id, status }, { onSuccess: () => notifications.show({ color: 'teal', message: t(status === 'enabled' ? 'keys.enabledDone' : 'keys.disabledDone', { name: k.name }) }) });
                          }}
                        />
                      </Table.Td>
                      {canWrite && (
                        <Table.Td>
                          <Tooltip label={t('keys.delete')}>
                            <ActionIcon variant="subtle" color="red" aria-label={t('keys.deleteNamed', { name: k.name })} onClick={() => setDeleting(k)}>
                              <IconTrash size={16} />
                            </ActionIcon>
                          </Tooltip>
                        </Table.Td>
                      )}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <ListFooter count={list.count} pageSize={PAGE} page={page} onPage={setPage} />
            </>
          )
        }
      </QueryState>
      <CreateKeyModal opened={creating} onClose={create.close} onCreated={setSecret} />
      <SecretReveal apiKey={secret} onClose={() => setSecret(null)} />
      <DeleteKeyModal apiKey={deleting} onClose={() => setDeleting(null)} />
    </Stack>
  );
}

function CreateKeyModal({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: (k: ApiKey) => void }) {
  const { t } = useTranslation();
  const { org, env } = useScope();
  const create = useCreateKey(org._id);
  const form = useForm({ mode: 'controlled', initialValues: { name: '', env: env as string }, validate: { name: keyName(t) } });
  const live = org._envs.includes('LIVE');
  const submit = form.onSubmit(async (v) => {
    const k = await create.mutateAsync({ name: v.name.trim(), env: v.env }).catch(() => undefined);
    if (!k) return;
    form.reset();
    onClose();
    onCreated(k);
  });
  return (
    <Modal opened={opened} onClose={onClose} title={t('keys.create')}>
      <form onSubmit={submit} noValidate>
        <Stack>
          {create.error && <Alert color="red">{errorText(t, create.error)}</Alert>}
          <TextInput label={t('keys.name')} description={t('keys.nameHint')} withAsterisk data-autofocus {...form.getInputProps('name')} />
          <div>
            <Text size="sm" fw={500} mb={4}>{t('keys.env')}</Text>
            <SegmentedControl
              data={[{ value: 'TEST', label: 'TEST' }, { value: 'LIVE', label: 'LIVE', disabled: !live }]}
              {...form.getInputProps('env')}
            />
            {!live && <Text size="xs" c="dimmed" mt={4}>{t('keys.liveNeedsLive')}</Text>}
          </div>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
            <Button type="submit" loading={create.isPending}>{t('keys.createSubmit')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DeleteKeyModal({ apiKey, onClose }: { apiKey: ApiKey | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { org } = useScope();
  const del = useDeleteKey(org._id);
  return (
    <Modal opened={apiKey !== null} onClose={onClose} title={t('keys.delete')}>
      <Stack>
        <Text>{t('keys.deleteConfirm', { name: apiKey?.name })}</Text>
        {del.error && <Alert color="red">{errorText(t, del.error)}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
          <Button color="red" loading={del.isPending} onClick={() => apiKey && del.mutate(apiKey._id, { onSuccess: () => { notifications.show({ color: 'teal', message: t('keys.deleted', { name: apiKey.name }) }); onClose(); } })}>
            {t('keys.delete')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
