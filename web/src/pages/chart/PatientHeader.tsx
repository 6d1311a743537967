import { Group, Paper, Text, Title } from '@mantine/core';
import type { Patient } from '@medplum/fhirtypes';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { ageInYears, formatDate, humanName, primaryIdentifier } from '../../fhir/display.ts';

/** The patient's name (the page's h1), sex, birth date and age, record number. */
export function PatientHeader({ patient, now }: { patient: Patient; now: Date }) {
  const { t, i18n } = useTranslation();
  const name = humanName(patient.name) || t('patients.unnamed');
  const age = ageInYears(patient.birthDate, now);
  const id = primaryIdentifier(patient.identifier);
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${name} · ${t('app.name')}`;
  }, [name, t]);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <Paper withBorder radius="md" p="md" bg="teal.0">
      <Title order={1} size="h2" ref={ref} tabIndex={-1} data-testid="patient-name">
        {name}
      </Title>
      <Group gap="lg" mt={4}>
        {patient.gender && <Text>{t(`gender.${patient.gender}`)}</Text>}
        {patient.birthDate && (
          <Text>
            {t('chart.born', { date: formatDate(patient.birthDate, i18n.language) })}
            {age !== undefined && ` (${t('chart.age', { count: age })})`}
          </Text>
        )}
        {id && <Text c="dimmed">{t('chart.identifier', { value: id })}</Text>}
      </Group>
    </Paper>
  );
}
