import { Alert, Card, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useHealth } from '../api/health';
import { CopyField } from '../components/CopyField';
import { apiBaseURL } from '../desktop';

const apis = [
  { key: 'overview.management', path: '/api/v0' },
  { key: 'overview.signde', path: '/api/v2' },
  { key: 'overview.dsfinvk', path: '/api/v1' },
] as const;

export function OverviewPage() {
  const { t } = useTranslation();
  const health = useHealth();
  const base = useQuery({ queryKey: ['desktop', 'apiBaseURL'], queryFn: apiBaseURL, staleTime: Infinity });

  return (
    <Stack gap="lg" maw={960}>
      <Title order={2}>{t('overview.title')}</Title>
      <Text c="dimmed">{t('overview.intro')}</Text>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder padding="lg">
          <Title order={4} mb="sm">
            {t('overview.apis')}
          </Title>
          <Stack gap="sm">
            {base.data !== undefined &&
              apis.map((a) => <CopyField key={a.path} label={t(a.key)} value={base.data + a.path} />)}
          </Stack>
        </Card>
        <Card withBorder padding="lg">
          <Title order={4} mb="sm">
            {t('overview.workstation')}
          </Title>
          {health.isError ? (
            <Alert color="red" title={t('overview.unreachable')}>
              {health.error.message}
            </Alert>
          ) : (
            <Table variant="vertical" withTableBorder={false}>
              <Table.Tbody>
                <Table.Tr>
                  <Table.Th w={160}>{t('overview.status')}</Table.Th>
                  <Table.Td>{health.data ? t('overview.running') : '…'}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th>{t('overview.version')}</Table.Th>
                  <Table.Td data-testid="version">{health.data?.version ?? '…'}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th>{t('overview.storeFormat')}</Table.Th>
                  <Table.Td>{health.data?.store_format ?? '…'}</Table.Td>
                </Table.Tr>
              </Table.Tbody>
            </Table>
          )}
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
