import { AppShell, Burger, Group, NavLink, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconBuilding, IconCashRegister, IconDeviceDesktop, IconFileExport, IconReceipt, IconFlask, IconKey, IconLayoutDashboard, IconShieldLock } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useEffect } from 'react';
import { NavLink as RouterLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useInvoices } from '../api/billing';
import { HealthIndicator } from '../components/HealthIndicator';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { OrgSwitcher } from '../components/OrgSwitcher';
import { UserMenu } from '../components/UserMenu';
import { onMenuNavigate } from '../desktop';

const nav = [
  { to: '/', key: 'nav.overview', icon: IconLayoutDashboard, end: true },
  { to: '/tss', key: 'nav.tss', icon: IconShieldLock, end: false },
  { to: '/exports', key: 'nav.exports', icon: IconFileExport, end: false },
  { to: '/cash-registers', key: 'nav.registers', icon: IconCashRegister, end: false },
  { to: '/organizations', key: 'nav.organizations', icon: IconBuilding, end: false },
  { to: '/developers/api-keys', key: 'nav.apiKeys', icon: IconKey, end: false },
  { to: '/sandbox', key: 'nav.sandbox', icon: IconFlask, end: false },
  { to: '/billing', key: 'nav.billing', icon: IconReceipt, end: false },
  { to: '/settings/workstation', key: 'nav.workstation', icon: IconDeviceDesktop, end: false },
] as const;

export function AppLayout() {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure();
  const { pathname } = useLocation();
  const navigate = useNavigate();
  useEffect(() => onMenuNavigate(navigate), [navigate]);
  // Where billing is withheld the billing page does not exist for this user.
  const invoices = useInvoices();
  const items = nav.filter((i) => i.to !== '/billing' || (invoices.data !== undefined && invoices.data !== null));

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.toggle')} />
            <img src="/favicon.svg" alt="" width={28} height={28} />
            <Title order={4}>{t('app.title')}</Title>
            <OrgSwitcher />
          </Group>
          <Group gap="sm" wrap="nowrap">
            <HealthIndicator />
            <LanguageSwitch />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t('nav.main')}>
        {items.map((item) => {
          const active = item.end ? pathname === item.to : pathname.startsWith(item.to);
          return (
            <NavLink
              key={item.to}
              component={RouterLink}
              to={item.to}
              end={item.end}
              label={t(item.key)}
              leftSection={<item.icon size={18} stroke={1.6} />}
              active={active}
              onClick={close}
            />
          );
        })}
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
