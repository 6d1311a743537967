import { Title } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * The page's one <h1>. It names the browser tab too, and takes focus when the page
 * opens, so keyboard and screen-reader users start at the new page's top after navigation.
 */
export function PageTitle({ children, focus = true }: { children: string; focus?: boolean }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${children} · ${t('app.name')}`;
  }, [children, t]);
  useEffect(() => {
    if (focus) ref.current?.focus({ preventScroll: true });
  }, [focus]);
  return (
    <Title order={1} ref={ref} tabIndex={-1} size="h2" mb="md" style={{ outlineOffset: 4 }}>
      {children}
    </Title>
  );
}
