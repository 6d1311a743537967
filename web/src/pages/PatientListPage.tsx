import { Anchor, Button, Group, Paper, Table, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, fhirLinkPath, fhirSearchPath } from '../api/client.ts';
import { useAuth } from '../auth/AuthContext.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Loading } from '../components/Loading.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { useLoad } from '../components/useLoad.ts';
import { formatDate } from '../fhir/display.ts';
import { patientPage } from '../fhir/patient.ts';
import { IntakeFlagsCard } from '../intake/IntakeFlagsCard.tsx';

const PAGE_SIZE = 20;

/** The clinic's patients, searchable by name, 20 a page, following the server's paging links. */
export function PatientListPage() {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const [params, setParams] = useSearchParams();
  const name = params.get('name') ?? '';
  // The server's paging link, made local; empty means the first page of this search.
  // Only a Patient search may come from the address bar.
  const pageParam = params.get('page') ?? '';
  const page = pageParam.startsWith('/fhir/R4/Patient?') ? fhirLinkPath(pageParam, window.location.origin) : undefined;
  const [draft, setDraft] = useState(name);

  const path = page || fhirSearchPath('Patient', { name, _count: PAGE_SIZE, _sort: 'family' });
  const load = useLoad(() => api.searchPath(path).then(patientPage), [path]);

  function onSearch(e: FormEvent) {
    e.preventDefault();
    const next = new URLSearchParams();
    if (draft.trim()) next.set('name', draft.trim());
    setParams(next);
  }

  function goTo(link: string | undefined) {
    const local = fhirLinkPath(link, window.location.origin);
    if (!local) return;
    const next = new URLSearchParams(params);
    next.set('page', local);
    setParams(next);
  }

  return (
    <>
      <PageTitle>{t('patients.title')}</PageTitle>
      <IntakeFlagsCard />
      <form onSubmit={onSearch} role="search">
        <Group align="flex-end" gap="sm" mb="md">
          <TextInput
            label={t('patients.searchLabel')}
            placeholder={t('patients.searchPlaceholder')}
            type="search"
            name="name"
            value={draft}
            onChange={(e) => setDraft(e.currentTarget.value)}
            style={{ flex: '1 1 260px', maxWidth: 420 }}
          />
          <Button type="submit">{t('patients.search')}</Button>
          {name && (
            <Button
              variant="default"
              onClick={() => {
                setDraft('');
                setParams(new URLSearchParams());
              }}
            >
              {t('patients.clear')}
            </Button>
          )}
        </Group>
      </form>

      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' && (
        <Paper withBorder radius="md" p="sm">
          <Text size="sm" c="dimmed" mb="xs" aria-live="polite" data-testid="patient-total">
            {load.data.total !== undefined ? t('patients.total', { count: load.data.total }) : ''}
          </Text>
          {load.data.rows.length === 0 ? (
            <Text py="md">{t('patients.none')}</Text>
          ) : (
            <Table.ScrollContainer minWidth={560}>
              <Table
                striped
                highlightOnHover
                verticalSpacing="sm"
                aria-label={t('patients.tableCaption', { clinic: user?.clinicName ?? '' })}
              >
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t('patients.name')}</Table.Th>
                    <Table.Th scope="col">{t('patients.gender')}</Table.Th>
                    <Table.Th scope="col">{t('patients.birthDate')}</Table.Th>
                    <Table.Th scope="col">{t('patients.identifier')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {load.data.rows.map((r) => (
                    <Table.Tr key={r.id}>
                      <Table.Th scope="row" fw={500}>
                        <Anchor component={Link} to={`/patients/${encodeURIComponent(r.id)}`}>
                          {r.name || t('patients.unnamed')}
                        </Anchor>
                      </Table.Th>
                      <Table.Td>{r.gender ? t(`gender.${r.gender}`) : ''}</Table.Td>
                      <Table.Td>{formatDate(r.birthDate, i18n.language)}</Table.Td>
                      <Table.Td>{r.identifier}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          <Group justify="space-between" mt="sm">
            <Button variant="default" disabled={!load.data.previous} onClick={() => goTo(load.data.previous)}>
              {t('patients.previous')}
            </Button>
            <Button variant="default" disabled={!load.data.next} onClick={() => goTo(load.data.next)}>
              {t('patients.next')}
            </Button>
          </Group>
        </Paper>
      )}
    </>
  );
}
