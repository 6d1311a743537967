import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';

const COLORS: Record<string, string> = {
  active: 'teal',
  recurrence: 'orange',
  relapse: 'orange',
  high: 'red',
  permit: 'teal',
  deny: 'red',
  success: 'teal',
  denied: 'orange',
  failed: 'red',
};

/** A FHIR status code as a translated badge; an unknown code shows as it is. */
export function StatusBadge({ code }: { code: string | undefined }) {
  const { t, i18n } = useTranslation();
  if (!code) return null;
  const key = `fhirStatus.${code}`;
  const label = i18n.exists(key) ? t(key as 'fhirStatus.active') : code;
  return (
    <Badge variant="light" color={COLORS[code] ?? 'gray'} tt="none">
      {label}
    </Badge>
  );
}
