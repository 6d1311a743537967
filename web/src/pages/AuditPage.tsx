import { Alert, Anchor, Button, Code, Group, NativeSelect, Paper, Table, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import { AUDIT_ACTIONS, type AuditVerify } from '../api/types.ts';
import { useAuth } from '../auth/AuthContext.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Loading } from '../components/Loading.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { useLoad } from '../components/useLoad.ts';
import { formatDate } from '../fhir/display.ts';

interface Filters {
  action: string;
  patientId: string;
}

/** The clinic's audit log for administrators: filter, page back in time, verify the hash chain. */
export function AuditPage() {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const [filters, setFilters] = useState<Filters>({ action: '', patientId: '' });
  const [draft, setDraft] = useState<Filters>(filters);
  // The seq to continue before (undefined: the newest page).
  const [beforeSeq, setBeforeSeq] = useState<number | undefined>(undefined);
  const [verify, setVerify] = useState<{ busy: boolean; result?: AuditVerify; error?: unknown }>({ busy: false });

  const load = useLoad(
    () => api.audit({ limit: 50, beforeSeq, action: filters.action || undefined, patientId: filters.patientId || undefined }),
    [beforeSeq, filters.action, filters.patientId],
  );

  function onFilter(e: FormEvent) {
    e.preventDefault();
    setBeforeSeq(undefined);
    setFilters({ action: draft.action, patientId: draft.patientId.trim() });
  }

  async function onVerify() {
    setVerify({ busy: true });
    try {
      setVerify({ busy: false, result: await api.auditVerify() });
    } catch (error) {
      setVerify({ busy: false, error });
    }
  }

  return (
    <>
      <PageTitle>{t('audit.title')}</PageTitle>
      <Text mb="md">{t('audit.intro', { clinic: user?.clinicName ?? '' })}</Text>

      <Group align="flex-end" justify="space-between" mb="md" gap="sm">
        <form onSubmit={onFilter}>
          <Group align="flex-end" gap="sm">
            <NativeSelect
              label={t('audit.action')}
              value={draft.action}
              onChange={(e) => setDraft({ ...draft, action: e.currentTarget.value })}
              data={[{ value: '', label: t('audit.anyAction') }, ...AUDIT_ACTIONS.map((a) => ({ value: a, label: a }))]}
            />
            <TextInput
              label={t('audit.patientId')}
              value={draft.patientId}
              onChange={(e) => setDraft({ ...draft, patientId: e.currentTarget.value })}
            />
            <Button type="submit">{t('audit.filter')}</Button>
          </Group>
        </form>
        <Button variant="default" onClick={() => void onVerify()} loading={verify.busy}>
          {verify.busy ? t('audit.verifying') : t('audit.verify')}
        </Button>
      </Group>

      <div aria-live="polite">
        {verify.result &&
          (verify.result.ok ? (
            <Alert color="teal" variant="light" mb="md" data-testid="audit-verify">
              {t('audit.verifyOk', { count: verify.result.checked })}
            </Alert>
          ) : (
            <Alert color="red" variant="light" mb="md" data-testid="audit-verify">
              {t('audit.verifyBroken', {
                seq: verify.result.brokenAt?.seq ?? '?',
                reason: verify.result.brokenAt?.reason ?? '',
                count: verify.result.checked,
              })}
            </Alert>
          ))}
        {verify.error !== undefined && <ErrorNotice error={verify.error} />}
      </div>

      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' && (
        <Paper withBorder radius="md" p="sm">
          {load.data.events.length === 0 ? (
            <Text py="md">{t('audit.none')}</Text>
          ) : (
            <Table.ScrollContainer minWidth={900}>
              <Table striped verticalSpacing="xs" fz="sm" aria-label={t('audit.tableCaption')} data-testid="audit-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t('audit.seq')}</Table.Th>
                    <Table.Th scope="col">{t('audit.at')}</Table.Th>
                    <Table.Th scope="col">{t('audit.user')}</Table.Th>
                    <Table.Th scope="col">{t('audit.role')}</Table.Th>
                    <Table.Th scope="col">{t('audit.action')}</Table.Th>
                    <Table.Th scope="col">{t('audit.resource')}</Table.Th>
                    <Table.Th scope="col">{t('audit.patient')}</Table.Th>
                    <Table.Th scope="col">{t('audit.client')}</Table.Th>
                    <Table.Th scope="col">{t('audit.outcome')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {load.data.events.map((e) => (
                    <Table.Tr key={e.seq}>
                      <Table.Td>{e.seq}</Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDate(e.at, i18n.language, true)}</Table.Td>
                      <Table.Td>
                        <Code title={e.userId ?? undefined}>{e.userId ? shortId(e.userId) : '—'}</Code>
                      </Table.Td>
                      <Table.Td>{e.role ?? ''}</Table.Td>
                      <Table.Td>{e.action}</Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }} title={[e.resourceType, e.resourceId].filter(Boolean).join('/')}>
                        {[e.resourceType, e.resourceId && shortId(e.resourceId)].filter(Boolean).join('/')}
                      </Table.Td>
                      <Table.Td>
                        {e.patientId ? (
                          <Anchor component={Link} size="sm" to={`/patients/${encodeURIComponent(e.patientId)}`} title={e.patientId}>
                            {shortId(e.patientId)}
                          </Anchor>
                        ) : (
                          ''
                        )}
                      </Table.Td>
                      <Table.Td>{e.clientAddress ?? ''}</Table.Td>
                      <Table.Td>
                        <OutcomeBadge outcome={e.outcome} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          <Group justify="space-between" mt="sm">
            <Button variant="default" disabled={beforeSeq === undefined} onClick={() => setBeforeSeq(undefined)}>
              {t('audit.newest')}
            </Button>
            <Button
              variant="default"
              disabled={load.data.nextBeforeSeq === undefined}
              onClick={() => setBeforeSeq(load.data.nextBeforeSeq)}
            >
              {t('audit.older')}
            </Button>
          </Group>
        </Paper>
      )}
    </>
  );
}

/** Long ids (UUIDs) shortened for the table; the full id is in the title and the filter. */
function shortId(id: string): string {
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}

function OutcomeBadge({ outcome }: { outcome: string }) {
  const { t } = useTranslation();
  if (outcome === 'success' || outcome === 'denied' || outcome === 'failed') {
    return <StatusBadgeLabel code={outcome} label={t(`audit.outcomes.${outcome}`)} />;
  }
  return <StatusBadge code={outcome} />;
}

function StatusBadgeLabel({ code, label }: { code: string; label: string }) {
  const color = code === 'success' ? 'teal' : code === 'denied' ? 'orange' : 'red';
  return (
    <Text component="span" size="sm" fw={500} c={`${color}.8`}>
      {label}
    </Text>
  );
}
