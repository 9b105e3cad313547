import { Alert, Button, Card, Group, Modal, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useHandOver } from '../../api/addresses';
import { errorText } from '../../api/errors';
import type { Org } from '../../api/orgs';

/** An org created with another org's key is administered by that org until it hands administration over. */
export function HandOverCard({ org, administrator }: { org: Org; administrator: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const hand = useHandOver(org._id, () => navigate('/organizations'));
  const [opened, { open, close }] = useDisclosure();
  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="xs">{t('handOver.title')}</Title>
      <Text size="sm" mb="sm">{t('handOver.intro', { org: org.name, admin: administrator })}</Text>
      <Group>
        <Button color="orange" variant="light" onClick={open}>{t('handOver.button')}</Button>
      </Group>
      <Modal opened={opened} onClose={close} title={t('handOver.button')}>
        <Stack>
          <Alert color="orange">{t('handOver.warning', { org: org.name, admin: administrator })}</Alert>
          {hand.error && <Alert color="red">{errorText(t, hand.error)}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>{t('common.cancel')}</Button>
            <Button color="orange" loading={hand.isPending} onClick={() => hand.mutate()}>
              {t('handOver.confirm')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}
