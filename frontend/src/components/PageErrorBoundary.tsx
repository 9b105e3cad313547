import { Alert, Button, Stack, Text } from '@mantine/core';
import { Component, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** Keeps a page that fails to render from taking the header and the
 * navigation with it: the user can still go elsewhere or reload. */
export class PageErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  componentDidUpdate(prev: { resetKey: string }) {
    if (prev.resetKey !== this.props.resetKey && this.state.failed) this.setState({ failed: false });
  }

  render() {
    return this.state.failed ? <PageFailed /> : this.props.children;
  }
}

function PageFailed() {
  const { t } = useTranslation();
  return (
    <Alert color="red" title={t('errors.pageTitle')} data-testid="page-failed">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{t('errors.pageBody')}</Text>
        <Button size="xs" variant="light" onClick={() => window.location.reload()}>{t('errors.reload')}</Button>
      </Stack>
    </Alert>
  );
}
