import { Alert, Anchor, Button, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useId, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../api/client.ts';
import { ApiError } from '../api/errors.ts';
import { ErrorNotice, errorMessage } from '../components/ErrorNotice.tsx';
import { Loading } from '../components/Loading.tsx';
import { Section } from '../components/Section.tsx';
import { useLoad } from '../components/useLoad.ts';
import { formatDate } from '../fhir/display.ts';
import { lesionApi, type BodySite, type LesionSummary } from './api.ts';
import { ActionBadge, ExamStatusBadge, FormFeedback, siteLabel, useFormSubmit, useLooseT } from './common.tsx';
import { parsePixelsPerMm } from './present.ts';

/** Brings the chart's consents section into view (the ai-analysis consent lives there). */
function goToConsents() {
  const el = document.querySelector<HTMLElement>('[data-testid="consents"]');
  if (!el) return;
  el.scrollIntoView({ behavior: 'smooth', block: 'start' });
  el.setAttribute('tabindex', '-1');
  el.focus({ preventScroll: true });
}

/** The consent message (the server's, when it refused) with a way to the consents section. */
export function ConsentNotice({ error, inChart = true }: { error?: ApiError; inChart?: boolean }) {
  const { t } = useLooseT();
  return (
    <Alert color="orange" variant="light" role={error ? 'alert' : undefined} data-testid="lesion-no-consent" title={t('lesion.section.noConsent')}>
      <Text size="sm">{error ? error.message : t('lesion.section.noConsentBody')}</Text>
      {inChart && (
        <Anchor component="button" type="button" size="sm" onClick={goToConsents}>
          {t('lesion.section.toConsents')}
        </Anchor>
      )}
    </Alert>
  );
}

const isConsentError = (e: unknown): e is ApiError => e instanceof ApiError && e.code === 'CONSENT_MISSING';

/**
 * The chart's skin lesion section (staff): the patient's lesions with their latest image,
 * a form to add a lesion at a body site, and per lesion a new image from the tablet camera
 * or a file, which is uploaded, analysed and then opened.
 */
export function LesionSection({ patientId }: { patientId: string }) {
  const { t } = useLooseT();
  const list = useLoad(() => lesionApi.lesions(patientId), [patientId]);
  // Asked up front so nobody photographs a lesion the model may not analyse (the server refuses too).
  const consents = useLoad(() => api.consents(patientId), [patientId]);
  const aiAllowed = consents.status !== 'ok' || consents.data.some((c) => c.purpose === 'ai-analysis' && c.status === 'permit');
  const [open, setOpen] = useState<{ kind: 'add' } | { kind: 'image'; lesion: LesionSummary } | undefined>(undefined);

  return (
    <Section title={t('lesion.section.title')} testId="lesions">
      <Alert color="blue" variant="light" mb="md">
        {t('lesion.section.note')}
      </Alert>
      {list.status === 'loading' && <Loading />}
      {list.status === 'error' && (isConsentError(list.error) ? <ConsentNotice error={list.error} /> : <ErrorNotice error={list.error} onRetry={list.reload} />)}
      {list.status === 'ok' && (
        <Stack gap="md">
          {!aiAllowed && <ConsentNotice />}
          {list.data.length === 0 ? (
            <Text c="dimmed">{t('lesion.section.none')}</Text>
          ) : (
            <LesionTable lesions={list.data} canAddImage={aiAllowed} onNewImage={(lesion) => setOpen({ kind: 'image', lesion })} />
          )}
          {open === undefined && (
            <Group>
              <Button onClick={() => setOpen({ kind: 'add' })} data-testid="lesion-add">
                {t('lesion.section.addLesion')}
              </Button>
            </Group>
          )}
          {open?.kind === 'add' && (
            <AddLesionForm
              patientId={patientId}
              onCancel={() => setOpen(undefined)}
              onAdded={(lesion) => {
                setOpen(aiAllowed ? { kind: 'image', lesion } : undefined);
                list.reload();
              }}
            />
          )}
          {open?.kind === 'image' && <NewImageForm key={open.lesion.id} patientId={patientId} lesion={open.lesion} onCancel={() => setOpen(undefined)} />}
        </Stack>
      )}
    </Section>
  );
}

function LesionTable({ lesions, canAddImage, onNewImage }: { lesions: readonly LesionSummary[]; canAddImage: boolean; onNewImage: (l: LesionSummary) => void }) {
  const { t, lang } = useLooseT();
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table aria-label={t('lesion.section.list')} data-testid="lesion-list" verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('lesion.section.bodySite')}</Table.Th>
            <Table.Th scope="col">{t('lesion.section.label')}</Table.Th>
            <Table.Th scope="col">{t('lesion.section.lastExam')}</Table.Th>
            <Table.Th scope="col">{t('lesion.section.status')}</Table.Th>
            <Table.Th scope="col">{t('lesion.section.suggestion')}</Table.Th>
            <Table.Th scope="col" />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {lesions.map((l) => {
            const latest = l.exams[0];
            const analysis = latest?.analysis;
            return (
              <Table.Tr key={l.id} data-testid="lesion-row" data-lesion={l.id}>
                <Table.Td>{siteLabel(l.bodySite, lang)}</Table.Td>
                <Table.Td>{l.label}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{latest ? formatDate(latest.createdAt, lang, true) : t('lesion.section.noExam')}</Table.Td>
                <Table.Td>{latest && <ExamStatusBadge status={latest.status} />}</Table.Td>
                <Table.Td>
                  {analysis?.status === 'ok' ? (
                    <ActionBadge action={analysis.suggestion.action} testId="lesion-row-suggestion" />
                  ) : latest?.analysisWithheld === 'blinded' ? (
                    <Text size="sm" c="dimmed">
                      {t('lesion.section.hidden')}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap" justify="flex-end">
                    {latest && (
                      <Button component={Link} to={`/lesions/exams/${encodeURIComponent(latest.id)}`} size="xs" variant="default">
                        {t('lesion.section.openExam')}
                      </Button>
                    )}
                    <Button component={Link} to={`/lesions/${encodeURIComponent(l.id)}`} size="xs" variant="default">
                      {t('lesion.section.followUp')}
                    </Button>
                    <Button size="xs" onClick={() => onNewImage(l)} disabled={!canAddImage} data-testid="lesion-new-image">
                      {t('lesion.section.newImage')}
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function AddLesionForm({ patientId, onAdded, onCancel }: { patientId: string; onAdded: (l: LesionSummary) => void; onCancel: () => void }) {
  const { t, lang } = useLooseT();
  const sites = useLoad(() => lesionApi.bodySites(), []);
  const [site, setSite] = useState('');
  const [label, setLabel] = useState('');
  const form = useFormSubmit();
  const { problem, error, busy } = form;

  const submit = (e: FormEvent) =>
    form.submit(e, () =>
      site === '' ? t('lesion.addForm.needSite') : label.trim() === '' ? t('lesion.addForm.needLabel') : async () => onAdded(await lesionApi.createLesion(patientId, { bodySite: site, label: label.trim() })),
    );

  if (sites.status === 'loading') return <Loading />;
  if (sites.status === 'error') return <ErrorNotice error={sites.error} onRetry={sites.reload} />;
  const sorted: BodySite[] = [...sites.data].sort((a, b) => siteLabel(a, lang).localeCompare(siteLabel(b, lang), lang));
  return (
    <form onSubmit={(e) => void submit(e)} data-testid="lesion-add-form" noValidate>
      <Stack gap="sm">
        <Title order={3} size="h5">
          {t('lesion.addForm.title')}
        </Title>
        <Group align="flex-end" gap="sm">
          <NativeSelect
            label={t('lesion.addForm.bodySite')}
            value={site}
            onChange={(e) => setSite(e.currentTarget.value)}
            data={[{ value: '', label: t('lesion.addForm.chooseSite') }, ...sorted.map((s) => ({ value: s.code, label: siteLabel(s, lang) }))]}
            miw={240}
          />
          <TextInput
            label={t('lesion.addForm.label')}
            placeholder={t('lesion.addForm.labelHint')}
            value={label}
            maxLength={200}
            onChange={(e) => setLabel(e.currentTarget.value)}
            miw={320}
          />
        </Group>
        <FormFeedback problem={problem} error={error} renderError={(e) => (isConsentError(e) ? <ConsentNotice error={e} /> : <ErrorNotice error={e} />)} />
        <Group>
          <Button type="submit" loading={busy}>
            {t('lesion.addForm.submit')}
          </Button>
          <Button variant="subtle" onClick={onCancel} disabled={busy}>
            {t('lesion.addForm.cancel')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/**
 * A new image of one lesion: the tablet's rear camera (capture="environment") or a file,
 * and the scale when known. Upload first (the server strips EXIF), then the exam, then open it.
 */
function NewImageForm({ patientId, lesion, onCancel }: { patientId: string; lesion: LesionSummary; onCancel: () => void }) {
  const { t } = useLooseT();
  const navigate = useNavigate();
  const fileId = useId();
  const hintId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [scale, setScale] = useState('');
  const form = useFormSubmit();
  const { problem, error, busy } = form;
  // The file already stored for this selection: a retry after a failed exam (the model was
  // busy, say) reuses it instead of storing the same photograph of the patient again.
  const uploaded = useRef<{ file: File; id: string } | null>(null);

  const submit = (e: FormEvent) =>
    form.submit(e, () => {
      const file = input.current?.files?.[0];
      if (!file) return t('lesion.imageForm.needFile');
      const ppm = parsePixelsPerMm(scale);
      if (!ppm.ok) return t('lesion.imageForm.badScale');
      return async () => {
        const stored = uploaded.current?.file === file ? { id: uploaded.current.id } : await lesionApi.upload(patientId, file, file.name || 'lesion.jpg');
        uploaded.current = { file, id: stored.id };
        const exam = await lesionApi.createExam(lesion.id, ppm.value === undefined ? { fileId: stored.id } : { fileId: stored.id, pixelsPerMm: ppm.value });
        navigate(`/lesions/exams/${encodeURIComponent(exam.id)}`);
      };
    });

  return (
    <form onSubmit={(e) => void submit(e)} data-testid="lesion-image-form" noValidate>
      <Stack gap="sm">
        <Title order={3} size="h5">
          {t('lesion.imageForm.title', { label: lesion.label })}
        </Title>
        <div>
          <Text component="label" htmlFor={fileId} size="sm" fw={500} display="block">
            {t('lesion.imageForm.file')}
          </Text>
          <Text id={hintId} size="xs" c="dimmed">
            {t('lesion.imageForm.fileHint')}
          </Text>
          <input ref={input} id={fileId} type="file" accept="image/*" capture="environment" aria-describedby={hintId} data-testid="lesion-file" disabled={busy} />
        </div>
        <TextInput
          label={t('lesion.imageForm.pixelsPerMm')}
          description={t('lesion.imageForm.pixelsPerMmHint')}
          inputMode="decimal"
          value={scale}
          onChange={(e) => setScale(e.currentTarget.value)}
          w={260}
          disabled={busy}
        />
        <FormFeedback
          problem={problem}
          error={error}
          renderError={(e) =>
            isConsentError(e) ? (
              <ConsentNotice error={e} />
            ) : (
              <Alert color="red" variant="light" role="alert" data-testid="lesion-upload-error">
                {t('errors.generic', { message: errorMessage(e) })}
              </Alert>
            )
          }
        />
        <Group>
          <Button type="submit" loading={busy} data-testid="lesion-upload">
            {busy ? t('lesion.imageForm.busy') : t('lesion.imageForm.submit')}
          </Button>
          <Button variant="subtle" onClick={onCancel} disabled={busy}>
            {t('lesion.imageForm.cancel')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
