import { Box, Center, Group, Paper, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { HealthIndicator } from '../components/HealthIndicator';
import { LanguageSwitch } from '../components/LanguageSwitch';

/** Frame of the pages before login: setup, login, invitation. */
export function PublicLayout({ children, width = 440 }: { children: ReactNode; width?: number }) {
  const { t } = useTranslation();
  return (
    <Box mih="100vh" bg="var(--mantine-color-body)">
      <Group justify="space-between" px="md" h={56} style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
        <Group gap="sm">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <Title order={4}>{t('app.title')}</Title>
        </Group>
        <Group gap="sm">
          <HealthIndicator />
          <LanguageSwitch />
        </Group>
      </Group>
      <Center py="xl" px="md">
        <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={width}>
          {children}
        </Paper>
      </Center>
    </Box>
  );
}
