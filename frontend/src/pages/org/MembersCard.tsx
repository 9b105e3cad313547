import { ActionIcon, Alert, Badge, Button, Card, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useForm } from '@mantine/form';
import { IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/errors';
import { type Invitation, type Role, useInvite, useMembers, useRemoveMember, useSetRole } from '../../api/members';
import { CopyField } from '../../components/CopyField';
import { QueryState } from '../../components/QueryState';
import { email } from '../../components/validation';

const roles: Role[] = ['owner', 'admin', 'member'];
const name = (m: { first_name?: string; last_name?: string }) => [m.first_name, m.last_name].filter(Boolean).join(' ');

/** Users of an org and open invitations. What each role may do (as the
 * server decides it): owners and admins invite and remove, only owners
 * change roles and hand out or take away the owner role; members look. */
export function MembersCard({ orgId, role }: { orgId: string; role: Role }) {
  const { t } = useTranslation();
  const members = useMembers(orgId);
  const invite = useInvite(orgId);
  const setRole = useSetRole(orgId);
  const remove = useRemoveMember(orgId);
  const [link, setLink] = useState<Invitation>();
  const form = useForm({ mode: 'controlled', initialValues: { email: '', role: 'member' as Role }, validate: { email: email(t) } });
  const canWrite = role !== 'member';
  const isOwner = role === 'owner';
  // Admins invite admins and members; the owner role is an owner's to give.
  const roleData = roles.map((r) => ({ value: r, label: t(`roles.${r}`), disabled: r === 'owner' && !isOwner }));
  const error = invite.error ?? setRole.error ?? remove.error;
  const done = (message: string) => () => notifications.show({ color: 'teal', message });

  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="sm">{t('members.title')}</Title>
      <Stack>
        {error && <Alert color="red">{errorText(t, error)}</Alert>}
        {link && (
          <Alert color="teal" title={t('members.invited', { email: link.email })}>
            <Text size="sm" mb="xs">{t('members.linkHint')}</Text>
            <CopyField label={t('members.link')} value={window.location.origin + link.accept_url} />
          </Alert>
        )}
        {canWrite && (
          <form
            onSubmit={form.onSubmit((v) =>
              invite.mutate({ email: v.email.trim(), role: v.role }, { onSuccess: (inv) => { setLink(inv); form.reset(); } }),
            )}
            noValidate
          >
            <Group align="flex-end" wrap="wrap">
              <TextInput label={t('form.email')} type="email" style={{ flex: '1 1 200px' }} {...form.getInputProps('email')} />
              <Select label={t('members.role')} data={roleData} allowDeselect={false} w={140} {...form.getInputProps('role')} />
              <Button type="submit" loading={invite.isPending}>{t('members.invite')}</Button>
            </Group>
          </form>
        )}
        <QueryState q={members}>
          {(l) => (
            // The pending badge sits under the address, not in a column of
            // its own: at 360 px a fourth column squeezed it to nothing.
            <Table striped data-testid="member-table">
              <Table.Tbody>
                {l.data.map((m) => (
                  <Table.Tr key={m._id}>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>
                      <Text size="sm">{name(m) || m.email}</Text>
                      {name(m) && <Text size="xs" c="dimmed">{m.email}</Text>}
                      {m.status === 'invited' && <Badge variant="light" color="yellow" mt={4}>{t('members.pending')}</Badge>}
                    </Table.Td>
                    <Table.Td w={136}>
                      {m._type === 'USER' && isOwner ? (
                        <Select aria-label={t('members.roleOf', { email: m.email })} size="xs" data={roleData} value={m.role} allowDeselect={false}
                          onChange={(r) => r && setRole.mutate({ id: m._id, role: r as Role }, { onSuccess: done(t('members.roleChanged', { email: m.email })) })} />
                      ) : (
                        <Text size="sm">{t(`roles.${m.role}`)}</Text>
                      )}
                    </Table.Td>
                    <Table.Td w={40}>
                      {canWrite && (m.role !== 'owner' || isOwner) && (
                        <ActionIcon variant="subtle" color="red" aria-label={t('members.remove', { email: m.email })}
                          onClick={() => remove.mutate(m._id, { onSuccess: done(t('members.removed', { email: m.email })) })}>
                          <IconTrash size={16} />
                        </ActionIcon>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </QueryState>
      </Stack>
    </Card>
  );
}
