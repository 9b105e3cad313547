import { Alert, Avatar, Badge, Button, Group, Menu, Modal, PasswordInput, Stack, UnstyledButton, type MantineColorScheme, useMantineColorScheme } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { IconCheck, IconKey, IconLogout } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useChangePassword } from '../api/members';
import { logout, useMe, useSessionRefresh } from '../api/session';
import { errorText } from '../api/errors';
import { password } from './validation';

export function UserMenu() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const refresh = useSessionRefresh();
  const [pwOpen, pw] = useDisclosure();
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const email = me.data?.user?.email ?? '';
  return (
    <>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <UnstyledButton aria-label={t('user.menu')}>
            <Avatar size="sm" radius="xl" color="blue">
              {email.slice(0, 1).toUpperCase()}
            </Avatar>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>
            {t('user.signedInAs')} {email}
          </Menu.Label>
          {me.data?.installation_admin && (
            <Menu.Label data-testid="installation-admin-role">
              <Badge size="xs" variant="light" color="grape">{t('user.installationAdmin')}</Badge>
            </Menu.Label>
          )}
          <Menu.Item leftSection={<IconKey size={16} />} onClick={pw.open}>
            {t('account.password')}
          </Menu.Item>
          <Menu.Divider />
          <Menu.Label>{t('theme.label')}</Menu.Label>
          {(['light', 'dark', 'auto'] as MantineColorScheme[]).map((c) => (
            <Menu.Item key={c} leftSection={colorScheme === c ? <IconCheck size={16} /> : <span style={{ width: 16, display: 'inline-block' }} />} onClick={() => setColorScheme(c)}>
              {t(`theme.${c}`)}
            </Menu.Item>
          ))}
          <Menu.Divider />
          <Menu.Item
            leftSection={<IconLogout size={16} />}
            onClick={async () => {
              await logout();
              await refresh();
              navigate('/login', { replace: true });
            }}
          >
            {t('user.logout')}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      {pwOpen && <PasswordModal onClose={pw.close} />}
    </>
  );
}

function PasswordModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const change = useChangePassword();
  const form = useForm({
    mode: 'controlled',
    initialValues: { current_password: '', new_password: '', repeat: '' },
    validate: {
      current_password: (v) => (v ? null : t('form.required')),
      new_password: password(t),
      repeat: (v, all) => (v === all.new_password ? null : t('form.passwordMismatch')),
    },
  });
  return (
    <Modal opened onClose={onClose} title={t('account.password')}>
      <form onSubmit={form.onSubmit(({ current_password, new_password }) => change.mutate({ current_password, new_password }))} noValidate>
        <Stack>
          {change.error && <Alert color="red">{errorText(t, change.error, { 401: 'account.wrongCurrent' })}</Alert>}
          {change.isSuccess ? (
            <Alert color="teal">{t('account.changed')}</Alert>
          ) : (
            <>
              <PasswordInput label={t('account.current')} autoComplete="current-password" data-autofocus {...form.getInputProps('current_password')} />
              <PasswordInput label={t('account.new')} autoComplete="new-password" {...form.getInputProps('new_password')} />
              <PasswordInput label={t('form.passwordRepeat')} autoComplete="new-password" {...form.getInputProps('repeat')} />
            </>
          )}
          <Group justify="flex-end">
            {change.isSuccess ? (
              <Button onClick={onClose}>OK</Button>
            ) : (
              <Button type="submit" loading={change.isPending}>{t('common.save')}</Button>
            )}
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
