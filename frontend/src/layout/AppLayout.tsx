import { AppShell, Box, Burger, Divider, Group, NavLink, ScrollArea, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconBuilding,
  IconBuildingCommunity,
  IconCashRegister,
  IconDeviceDesktop,
  IconFileExport,
  IconFlask,
  IconKey,
  IconLayoutDashboard,
  IconReceipt,
  IconShieldLock,
} from '@tabler/icons-react';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink as RouterLink, Outlet, useLocation, useNavigate } from 'react-router';
import { HealthIndicator } from '../components/HealthIndicator';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { PageErrorBoundary } from '../components/PageErrorBoundary';
import { EnvSwitch, OrgSwitcher } from '../components/OrgSwitcher';
import { UserMenu } from '../components/UserMenu';
import { onMenuNavigate } from '../desktop';
import { orgPath, type Section } from '../org/paths';
import { type Scope, useScope } from '../org/scope';

interface Item {
  section: Section;
  key: string;
  icon: typeof IconBuilding;
  /** Whether this user has the page at all; pages they may not use are not offered. */
  shown?: (s: Scope) => boolean;
}

// The pages of the organization in view, then the pages of the installation.
const orgItems: Item[] = [
  { section: 'overview', key: 'nav.overview', icon: IconLayoutDashboard },
  { section: 'tss', key: 'nav.tss', icon: IconShieldLock },
  { section: 'exports', key: 'nav.exports', icon: IconFileExport },
  { section: 'cash-registers', key: 'nav.registers', icon: IconCashRegister },
  { section: 'api-keys', key: 'nav.apiKeys', icon: IconKey },
  // Failure rules and demo data change things: not for members.
  { section: 'sandbox', key: 'nav.sandbox', icon: IconFlask, shown: (s) => s.canWrite },
  // Where billing is withheld the billing page does not exist for this user.
  { section: 'billing', key: 'nav.billing', icon: IconReceipt, shown: (s) => s.billingVisible },
  { section: '', key: 'nav.orgSettings', icon: IconBuilding },
];

export function AppLayout() {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure();
  const { pathname } = useLocation();
  const navigate = useNavigate();
  const scope = useScope();
  useEffect(() => onMenuNavigate(navigate), [navigate]);

  const link = (to: string, label: string, Icon: typeof IconBuilding, active: boolean) => (
    <NavLink
      key={to}
      component={RouterLink}
      to={to}
      end
      label={label}
      leftSection={<Icon size={18} stroke={1.6} />}
      active={active}
      onClick={close}
    />
  );

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding={{ base: 'sm', sm: 'lg' }}>
      <AppShell.Header>
        <Group h="100%" px={{ base: 'xs', sm: 'md' }} justify="space-between" wrap="nowrap" gap="xs">
          <Group gap="xs" wrap="nowrap" style={{ minWidth: 0, flex: 1 }}>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.toggle')} />
            <img src="/favicon.svg" alt="" width={28} height={28} style={{ flexShrink: 0 }} />
            <Title order={4} visibleFrom="md" style={{ flexShrink: 0 }}>{t('app.title')}</Title>
            <OrgSwitcher />
          </Group>
          <Group gap="xs" wrap="nowrap" style={{ flexShrink: 0 }}>
            <Box visibleFrom="lg"><HealthIndicator /></Box>
            <Box visibleFrom="sm"><LanguageSwitch /></Box>
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t('nav.main')}>
        <AppShell.Section hiddenFrom="sm" pb="xs">
          {/* On a phone the header has room for the organization only. */}
          <Stack gap="xs">
            <Group justify="space-between" wrap="nowrap"><Text size="sm">{t('scope.env')}</Text><EnvSwitch /></Group>
            <Group justify="space-between" wrap="nowrap"><Text size="sm">{t('language.label')}</Text><LanguageSwitch /></Group>
            <HealthIndicator testId="health-nav" />
          </Stack>
          <Divider mt="xs" />
        </AppShell.Section>
        <AppShell.Section grow component={ScrollArea}>
          <Text size="xs" c="dimmed" fw={600} px="sm" pt={4} pb={4} truncate data-testid="nav-org">{scope.org.name}</Text>
          {orgItems
            .filter((i) => !i.shown || i.shown(scope))
            .map((i) => {
              const to = orgPath(scope.org._id, i.section);
              const active = !scope.missing && (i.section === '' ? pathname === to : pathname.startsWith(to));
              return link(to, t(i.key), i.icon, active);
            })}
          <Divider my="xs" />
          {link('/organizations', t('nav.organizations'), IconBuildingCommunity, pathname === '/organizations')}
          {scope.installationAdmin &&
            link('/settings/workstation', t('nav.workstation'), IconDeviceDesktop, pathname.startsWith('/settings/workstation'))}
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <PageErrorBoundary resetKey={pathname}>
          <Outlet />
        </PageErrorBoundary>
      </AppShell.Main>
    </AppShell>
  );
}
