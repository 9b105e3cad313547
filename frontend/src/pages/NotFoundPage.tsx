import { Anchor, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';

export function NotFoundPage() {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  return (
    <Stack gap="sm">
      <Title order={2}>{t('notFound.title')}</Title>
      <Text style={{ overflowWrap: 'anywhere' }}>{t('notFound.body', { path: pathname })}</Text>
      <Anchor component={Link} to="/">
        {t('notFound.back')}
      </Anchor>
    </Stack>
  );
}

/** An organization the URL names that this user does not see. It is
 * answered from the session's own list, without asking the server. */
export function OrgNotFoundPage() {
  const { t } = useTranslation();
  return (
    <Stack gap="sm" data-testid="org-not-found">
      <Title order={2}>{t('notFound.orgTitle')}</Title>
      <Text>{t('notFound.orgBody')}</Text>
      <Anchor component={Link} to="/organizations">
        {t('notFound.orgBack')}
      </Anchor>
    </Stack>
  );
}
