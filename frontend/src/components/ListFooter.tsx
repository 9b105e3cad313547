import { Group, Pagination, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** The count of a server-paged list and, when it has more than one page, the pager. */
export function ListFooter({ count, pageSize, page, onPage }: { count: number; pageSize: number; page: number; onPage: (p: number) => void }) {
  const { t } = useTranslation();
  return (
    <Group justify="space-between">
      <Text size="sm" c="dimmed">{t('common.total', { count })}</Text>
      {count > pageSize && <Pagination total={Math.ceil(count / pageSize)} value={page} onChange={onPage} />}
    </Group>
  );
}
