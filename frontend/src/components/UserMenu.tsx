import { Avatar, Menu, UnstyledButton } from '@mantine/core';
import { IconLogout } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { logout, useMe, useSessionRefresh } from '../api/session';

export function UserMenu() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const refresh = useSessionRefresh();
  const email = me.data?.user?.email ?? '';
  return (
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
  );
}
