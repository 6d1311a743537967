import { Alert, Button } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** The readable message of anything thrown (ApiError carries the server's own words). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A failed load, said plainly, with a retry when one is offered. */
export function ErrorNotice({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  const { t } = useTranslation();
  return (
    <Alert color="red" variant="light" role="alert" title={title}>
      {t('errors.generic', { message: errorMessage(error) })}
      {onRetry && (
        <Button variant="subtle" size="xs" ml="sm" onClick={onRetry}>
          {t('errors.retry')}
        </Button>
      )}
    </Alert>
  );
}
