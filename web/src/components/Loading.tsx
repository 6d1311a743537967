import { Center, Loader } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** A labelled spinner: screen readers hear "Loading…", not silence. */
export function Loading() {
  const { t } = useTranslation();
  return (
    <Center p="lg" role="status" aria-live="polite">
      <Loader size="sm" aria-hidden />
      <span style={{ marginLeft: 8 }}>{t('app.loading')}</span>
    </Center>
  );
}
