import { Alert, Anchor, Button, Card, Checkbox, Group, List, Modal, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconRocket, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/errors';
import { type Org, useGoLive } from '../../api/orgs';

/** Where on the organization page a missing piece is filled in. */
export type Fix = 'details' | 'billing-address' | 'billing-options';

export interface Requirement {
  key: 'tax' | 'billing';
  met: boolean;
  /** How it is met (translation key), or where to fix it. */
  how?: string;
  fix?: Fix[];
}

/** What going live needs (docs/management-api.md › Going live, the same
 * rule the server applies): a tax identity, and a way to be billed — a
 * managing parent, a billing address or an organization to bill. */
export function liveRequirements(org: Org): Requirement[] {
  const tax = Boolean(org.vat_id || org.tax_number);
  const parent = Boolean(org.managed_by_organization_id);
  const address = Boolean(org.billing_address_id);
  const billTo = Boolean(org.billing_options?.bill_to_organization);
  return [
    { key: 'tax', met: tax, how: tax ? (org.vat_id ? 'live.taxVat' : 'live.taxNumber') : undefined, fix: tax ? undefined : ['details'] },
    {
      key: 'billing',
      met: parent || address || billTo,
      how: parent ? 'live.billedParent' : address ? 'live.billedAddress' : billTo ? 'live.billedOrg' : undefined,
      fix: parent || address || billTo ? undefined : ['billing-address', 'billing-options'],
    },
  ];
}

/** Scrolls to the card that fixes a requirement and puts the cursor there. */
export function goToFix(fix: Fix) {
  const el = document.querySelector<HTMLElement>(`[data-fix="${fix}"]`);
  el?.scrollIntoView({ behavior: 'smooth', block: 'center' });
  const input = el?.querySelector<HTMLElement>(fix === 'details' ? '[data-field="vat_id"]' : 'input:not([type=hidden]):not([disabled]), button:not([disabled])');
  input?.focus({ preventScroll: true });
}

/** Going live: a checklist of what is still missing with a way to fix
 * each, a button that is only on when everything holds, and a
 * confirmation, because LIVE cannot be switched off again. */
export function GoLiveCard({ org, canWrite, billingVisible }: { org: Org; canWrite: boolean; billingVisible: boolean }) {
  const { t } = useTranslation();
  const goLive = useGoLive(org._id);
  const [confirming, confirm] = useDisclosure();
  const [understood, setUnderstood] = useState(false);
  const live = org._envs.includes('LIVE');
  const reqs = liveRequirements(org);
  const ready = reqs.every((r) => r.met);

  if (live)
    return (
      <Card withBorder padding="lg" data-testid="go-live">
        <Title order={4} mb="sm">{t('org.goLive')}</Title>
        <Alert color="green" icon={<IconRocket size={18} />}>{t('org.isLive')}</Alert>
      </Card>
    );

  return (
    <Card withBorder padding="lg" data-testid="go-live">
      <Title order={4} mb="xs">{t('org.goLive')}</Title>
      <Text size="sm" c="dimmed" mb="sm">{t('live.intro')}</Text>
      <List spacing="sm" center data-testid="live-checklist">
        {reqs.map((r) => (
          <List.Item
            key={r.key}
            data-met={r.met}
            icon={
              <ThemeIcon color={r.met ? 'teal' : 'red'} size={22} radius="xl" variant="light">
                {r.met ? <IconCheck size={14} /> : <IconX size={14} />}
              </ThemeIcon>
            }
          >
            <Text size="sm" fw={500}>{t(`live.${r.key}`)}</Text>
            {r.met && r.how && <Text size="xs" c="dimmed">{t(r.how)}</Text>}
            {!r.met && (
              <Text size="xs" c="dimmed">
                {t(`live.${r.key}Missing`)}{' '}
                {canWrite &&
                  r.fix
                    ?.filter((f) => f === 'details' || billingVisible)
                    .map((f, i) => (
                      <span key={f}>
                        {i > 0 && ` ${t('live.or')} `}
                        <Anchor component="button" type="button" size="xs" onClick={() => goToFix(f)}>{t(`live.fix.${f}`)}</Anchor>
                      </span>
                    ))}
              </Text>
            )}
          </List.Item>
        ))}
      </List>
      <Group mt="md">
        {canWrite ? (
          <Button color="green" leftSection={<IconRocket size={16} />} disabled={!ready} onClick={() => { setUnderstood(false); goLive.reset(); confirm.open(); }}>
            {t('org.goLiveButton')}
          </Button>
        ) : (
          <Text size="sm" c="dimmed">{t('live.onlyAdmins')}</Text>
        )}
        {canWrite && !ready && <Text size="xs" c="dimmed">{t('live.notReady')}</Text>}
      </Group>
      <Modal opened={confirming} onClose={confirm.close} title={t('live.confirmTitle', { org: org.name })}>
        <Stack>
          <Text size="sm">{t('live.confirmBody')}</Text>
          <List size="sm" spacing={4}>
            <List.Item>{t('live.confirmKeys')}</List.Item>
            <List.Item>{t('live.confirmBilled')}</List.Item>
            <List.Item>{t('live.confirmTest')}</List.Item>
          </List>
          <Checkbox label={t('live.understood')} checked={understood} onChange={(e) => setUnderstood(e.currentTarget.checked)} />
          {goLive.error && <Alert color="red">{errorText(t, goLive.error)}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={confirm.close}>{t('common.cancel')}</Button>
            <Button
              color="green"
              disabled={!understood}
              loading={goLive.isPending}
              onClick={() =>
                goLive.mutate(undefined, {
                  onSuccess: () => {
                    confirm.close();
                    notifications.show({ color: 'teal', message: t('live.done', { org: org.name }) });
                  },
                })
              }
            >
              {t('live.confirmButton')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}
