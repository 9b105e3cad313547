import { Alert, Badge, Button, Card, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { errorText } from '../api/errors';
import { useInstallUsers, useSetInstallAdmin } from '../api/installation';
import { useMe } from '../api/session';
import { QueryState } from './QueryState';

/** Settings › This workstation › Installation administrators: who holds
 * the installation role, granted and revoked by those who hold it. */
export function InstallationAdmins() {
  const { t } = useTranslation();
  const me = useMe();
  const users = useInstallUsers(me.data?.installation_admin === true);
  const set = useSetInstallAdmin();
  if (!me.data?.installation_admin) return null;
  return (
    <Card withBorder padding="lg" data-testid="installation-admins">
      <Title order={4} mb="sm">{t('installation.title')}</Title>
      <Stack gap="sm">
        <Text size="sm">{t('installation.intro')}</Text>
        {set.error && <Alert color="red">{errorText(t, set.error)}</Alert>}
        <QueryState q={users}>
          {(l) => (
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('installation.user')}</Table.Th>
                  <Table.Th>{t('installation.organizations')}</Table.Th>
                  <Table.Th>{t('installation.role')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {l.data.map((u) => (
                  <Table.Tr key={u._id}>
                    <Table.Td>
                      {u.email}
                      {u._id === me.data?.user?._id && <Text span c="dimmed"> ({t('installation.you')})</Text>}
                    </Table.Td>
                    <Table.Td>{u.organizations}</Table.Td>
                    <Table.Td>{u.installation_admin && <Badge variant="light" color="grape">{t('installation.admin')}</Badge>}</Table.Td>
                    <Table.Td align="right">
                      <Button
                        size="xs"
                        variant="subtle"
                        color={u.installation_admin ? 'red' : 'blue'}
                        loading={set.isPending && set.variables?.id === u._id}
                        onClick={() => set.mutate({ id: u._id, on: !u.installation_admin })}
                      >
                        {u.installation_admin ? t('installation.revoke') : t('installation.grant')}
                      </Button>
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
