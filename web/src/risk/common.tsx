/** Small pieces the risk screens share: a loose `t`, the category badge, the QRISK3 notice. */
import { Alert, Badge, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Translate } from './present.ts';
import type { RiskCategory } from './types.ts';

/** i18next's typed `t`, loosened for keys built from data (every one exists in en.ts and es.ts). */
export function useLooseT(): { tr: Translate; locale: string } {
  const { t, i18n } = useTranslation();
  const tr = t as unknown as Translate;
  return { tr, locale: i18n.language };
}

/** A category as a badge: its name translated by code, the server's label and source on hover. */
export function CategoryBadge({ category }: { category: RiskCategory | null | undefined }) {
  const { t, i18n } = useTranslation();
  const { tr } = useLooseT();
  if (!category) {
    return (
      <Text size="sm" c="dimmed" title={t('risk.noCategory')} aria-label={t('risk.noCategory')}>
        —
      </Text>
    );
  }
  const key = `risk.categoryName.${category.code}`;
  const name = i18n.exists(key) ? tr(key) : category.label;
  const color = /very-high|^high|at-or-above/.test(category.code) ? 'red' : /intermediate|borderline/.test(category.code) ? 'orange' : 'teal';
  return (
    <Tooltip label={`${category.label} — ${category.source}`} multiline maw={420} withArrow>
      <Badge variant="light" color={color} tt="none" h="auto" py={2} styles={{ label: { whiteSpace: 'normal', overflow: 'visible' } }} data-category={category.code}>
        {name}
      </Badge>
    </Tooltip>
  );
}

/** The notice QRISK3's authors require beside every QRISK3 score. */
export function Qrisk3Notice({ text }: { text: string }) {
  const { t } = useTranslation();
  return (
    <Alert color="gray" variant="light" mt="xs" title={t('risk.qrisk3Disclaimer')} data-testid="qrisk3-disclaimer">
      <Text size="xs">{text}</Text>
    </Alert>
  );
}

