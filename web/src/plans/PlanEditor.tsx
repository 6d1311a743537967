import { Alert, Anchor, Badge, Button, Checkbox, Group, List, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';
import { useAuth } from '../auth/AuthContext.tsx';
import { STAFF } from '../auth/home.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useActions } from '../components/useActions.ts';
import { formatDate } from '../fhir/display.ts';
import { plansApi } from './api.ts';
import { planKb, siteName, type KnowledgeBase } from './kb.ts';
import { PlanStatusBadge } from './PlanSection.tsx';
import {
  addableFor,
  checkDose,
  citationLinks,
  currentPlan,
  doseSites,
  local,
  openWarnings,
  rangeText,
  sourceFor,
  valueText,
  warningKey,
  type CurrentGoal,
  type CurrentOption,
} from './present.ts';
import type { PatchBody, PlanEditInput, PlanRecord, RuleHit, Sourced } from './types.ts';

const UNITS = ['U', 'mL', 'J/cm2', '%', 'mm', 'mg'];

type Loose = (key: string, options?: Record<string, unknown>) => string;

/** Citations as links to doi.org and PubMed, with the reference text on hover. */
export function Citations({ citations }: { citations: readonly { doi?: string | undefined; pmid?: string | undefined; text: string }[] }) {
  return (
    <Group gap="xs" data-testid="plan-citations">
      {citations.flatMap((c, i) =>
        citationLinks(c).map((l) => (
          <Anchor key={`${i}-${l.href}`} href={l.href} target="_blank" rel="noopener noreferrer" size="sm" title={c.text}>
            {l.label}
          </Anchor>
        )),
      )}
    </Group>
  );
}

/**
 * One plan, as a clinician reads and edits it: per goal the ranked options and the
 * excluded ones with the rule and record entry behind each exclusion; removals, additions
 * and dose changes (each a PATCH with the version read); warnings to acknowledge; approve
 * and sign; then the regimen, calendar, well-aging, sun protection and the profile's sources.
 */
export function PlanEditor({ patientId, initial, onChanged }: { patientId: string; initial: PlanRecord; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const kb = planKb();
  const lang = i18n.language;
  const [record, setRecord] = useState(initial);
  const actions = useActions<'change'>();
  const busy = actions.busy !== undefined;
  const [stale, setStale] = useState(false);
  // The box shows ticked while its PATCH is in flight; a refusal unticks it.
  const [acking, setAcking] = useState<string | undefined>(undefined);
  const staff = !!user && STAFF.includes(user.role);
  const canSign = user?.role === 'clinician' || user?.role === 'admin';
  const editable = staff && record.status === 'draft';
  const goals = useMemo(() => currentPlan(record, kb), [record, kb]);
  const open = openWarnings(record);

  const send = (fn: () => Promise<PlanRecord>): Promise<boolean> => {
    setStale(false);
    let changed = false;
    return actions
      .run('change', async () => {
        try {
          setRecord(await fn());
          onChanged();
          changed = true;
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 412)) throw e;
          // Someone else changed the plan first: show theirs (a failure to fetch it is the error shown).
          setStale(true);
          setRecord(await plansApi.get(patientId, record.planId));
        }
      })
      .then(() => changed);
  };
  const patch = (body: Omit<PatchBody, 'versionId'>) => send(() => plansApi.patch(patientId, record.planId, { versionId: record.versionId, ...body }));
  const edit = (e: PlanEditInput) => patch({ edits: [e] });

  return (
    <Stack gap="md" data-testid="plan" data-plan={record.planId} data-status={record.status} data-version={record.versionId}>
      <Group justify="space-between" align="center">
        <Group gap="sm">
          <PlanStatusBadge status={record.status} />
          <Text size="sm" c="dimmed">
            {t('plans.versions', { kb: record.plan.kbVersion, engine: record.plan.engineVersion, asOf: record.plan.asOf })}
          </Text>
        </Group>
      </Group>
      {record.status === 'active' && (
        <Alert color="teal" variant="light" data-testid="plan-signed">
          {t('plans.signed', { name: record.approvedBy?.displayName ?? '—', date: formatDate(record.approvedAt, lang, true) })} {t('plans.readOnly')}
        </Alert>
      )}
      {stale && (
        <Alert color="orange" variant="light" role="alert" data-testid="plan-stale">
          {t('plans.stale')}
        </Alert>
      )}
      {actions.failed && <ErrorNotice error={actions.failed.error} />}
      {record.plan.warnings.length > 0 && (
        <Alert color="yellow" variant="light" title={t('plans.engineNotes')}>
          <List size="sm">
            {record.plan.warnings.map((w, i) => (
              <List.Item key={i}>{local(w, lang)}</List.Item>
            ))}
          </List>
        </Alert>
      )}

      {goals.map((g) => (
        <GoalView key={g.goal.rank} kb={kb} current={g} record={record} editable={editable} busy={busy} onEdit={edit} />
      ))}

      {record.warnings.length > 0 && (
        <Paper withBorder p="sm" radius="sm" data-testid="plan-warnings">
          <Title order={3} size="h5" mb="xs">
            {t('plans.warnings')}
          </Title>
          <Stack gap="xs">
            {record.warnings.map((w) => (
              <Stack key={warningKey(w)} gap={4} data-testid="plan-warning" data-key={warningKey(w)} data-acknowledged={w.acknowledged}>
                <Text size="sm" c={w.acknowledged ? 'dimmed' : 'orange.9'}>
                  {local(w.message, lang)}
                </Text>
                <Checkbox
                  label={t('plans.acknowledge')}
                  checked={w.acknowledged || acking === warningKey(w)}
                  disabled={w.acknowledged || !editable || busy}
                  onChange={(e) => {
                    if (!e.currentTarget.checked) return;
                    const key = warningKey(w);
                    setAcking(key);
                    void patch({ edits: [], acknowledge: [key] }).finally(() => setAcking(undefined));
                  }}
                />
              </Stack>
            ))}
          </Stack>
        </Paper>
      )}

      {editable && (
        <Group gap="sm" align="center">
          {canSign ? (
            <>
              <Button
                color="teal"
                data-testid="plan-approve"
                disabled={open.length > 0 || busy}
                onClick={() => void send(() => plansApi.approve(patientId, record.planId, record.versionId))}
              >
                {t('plans.approve')}
              </Button>
              {open.length > 0 && (
                <Text size="sm" c="orange.9" data-testid="plan-approve-blocked">
                  {t('plans.approveBlocked')}
                </Text>
              )}
            </>
          ) : (
            <Text size="sm" c="dimmed">
              {t('plans.clinicianOnly')}
            </Text>
          )}
        </Group>
      )}

      <PlanExtras record={record} />
      <ProfileSources sources={record.profile.sources} missing={record.profile.missing} />
    </Stack>
  );
}

function GoalView({ kb, current, record, editable, busy, onEdit }: { kb: KnowledgeBase; current: CurrentGoal; record: PlanRecord; editable: boolean; busy: boolean; onEdit: (e: PlanEditInput) => Promise<boolean> }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { goal } = current;
  const [showExcluded, setShowExcluded] = useState(false);
  const [adding, setAdding] = useState('');
  const addable = editable ? addableFor(kb, current, record.plan.goals) : [];
  return (
    <Paper withBorder p="sm" radius="sm" data-testid="plan-goal" data-rank={goal.rank} data-concern={goal.concern}>
      <Title order={3} size="h5" mb="xs">
        {t('plans.goalTitle', { n: goal.rank, concern: local(goal.concernName, lang), area: local(goal.areaName, lang) })}
      </Title>
      <Stack gap="sm">
        {current.options.length === 0 && <Text size="sm" c="dimmed">{t('plans.noOptions')}</Text>}
        {current.options.map((o) => (
          <OptionView key={o.interventionId} kb={kb} option={o} goalRank={goal.rank} goalArea={goal.area} editable={editable} busy={busy} onEdit={onEdit} />
        ))}
        {current.removed.length > 0 && (
          <Text size="sm" c="dimmed" data-testid="plan-removed">
            {t('plans.removedList', { names: current.removed.map((r) => local(r.name, lang)).join(', ') })}
          </Text>
        )}
        {editable && (
          <form
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              if (adding) void onEdit({ kind: 'add', goalRank: goal.rank, interventionId: adding }).then((ok) => ok && setAdding(''));
            }}
          >
            <Group align="flex-end" gap="sm">
              <NativeSelect
                label={t('plans.addOption', { n: goal.rank })}
                value={adding}
                onChange={(e) => setAdding(e.currentTarget.value)}
                disabled={addable.length === 0}
                data={[
                  { value: '', label: addable.length ? t('plans.addChoose') : t('plans.addNone') },
                  ...addable.map((c) => ({ value: c.interventionId, label: `${local(c.name, lang)}${c.atArea ? '' : ` (${c.dose[0] ? local(siteName(kb, c.dose[0].area), lang) : '…'})`}` })),
                ]}
                miw={320}
              />
              <Button type="submit" variant="default" disabled={!adding || busy}>
                {t('plans.add')}
              </Button>
            </Group>
          </form>
        )}
        {goal.excluded.length > 0 && (
          <div>
            <Button variant="subtle" size="xs" px={0} onClick={() => setShowExcluded((s) => !s)} aria-expanded={showExcluded} data-testid="plan-excluded-toggle">
              {showExcluded ? t('plans.excludedHide') : t('plans.excludedShow', { count: goal.excluded.length })}
            </Button>
            {showExcluded && (
              <Stack gap="xs" mt="xs">
                {goal.excluded.map((x) => (
                  <Paper key={x.interventionId} withBorder p="xs" radius="sm" bg="gray.0" data-testid="plan-excluded" data-intervention={x.interventionId}>
                    <Text fw={600} size="sm">
                      {local(x.name, lang)}
                    </Text>
                    <Text size="sm">{t('plans.excludedBecause')}:</Text>
                    <Stack gap={4}>
                      {x.because.map((b) => (
                        <RuleHitView key={b.ruleId} hit={b} sources={record.profile.sources} />
                      ))}
                    </Stack>
                  </Paper>
                ))}
              </Stack>
            )}
          </div>
        )}
      </Stack>
    </Paper>
  );
}

/** A rule that excluded or cautions an option: its reason, id and kind, and the record entries behind it. */
function RuleHitView({ hit, sources }: { hit: RuleHit; sources: readonly Sourced[] }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  return (
    <Stack gap={2} pl="sm" data-testid="plan-rule" data-rule={hit.ruleId}>
      <Text size="sm">
        {local(hit.reason, lang)}{' '}
        <Text span size="xs" c="dimmed">
          {t('plans.rule', { id: hit.ruleId, kind: hit.kind })}
        </Text>
      </Text>
      {hit.triggers.map((tr, i) => {
        const src = sourceFor(sources, tr.field);
        return (
          <Text key={i} size="xs" c="dimmed" data-testid="plan-trigger" data-field={tr.field}>
            {t('plans.recordEntry')}: {tr.detail}
            {tr.ref ? ` — ${tr.ref}` : ''}
            {src ? ` — ${src.source.display}${src.source.date ? ` (${formatDate(src.source.date, lang)})` : ''}` : ''}
          </Text>
        );
      })}
      {hit.citations && hit.citations.length > 0 && <Citations citations={hit.citations} />}
    </Stack>
  );
}

function sessionsText(t: Loose, s: { min: number; max: number; intervalWeeks?: { min: number; max: number } | undefined }): string {
  const n = s.min === s.max ? `${s.min}` : `${s.min}–${s.max}`;
  if (!s.intervalWeeks || s.max === 1) return n;
  const iv = s.intervalWeeks.min === s.intervalWeeks.max ? `${s.intervalWeeks.min}` : `${s.intervalWeeks.min}–${s.intervalWeeks.max}`;
  return t('plans.sessionsText', { sessions: n, interval: iv });
}

function OptionView({ kb, option, goalRank, goalArea, editable, busy, onEdit }: { kb: KnowledgeBase; option: CurrentOption; goalRank: number; goalArea: string; editable: boolean; busy: boolean; onEdit: (e: PlanEditInput) => Promise<boolean> }) {
  const { t, i18n } = useTranslation();
  const tl = t as unknown as Loose;
  const lang = i18n.language;
  const [dosing, setDosing] = useState(false);
  const g = option.generated;
  const iv = kb.interventionById.get(option.interventionId);
  const name = local(option.name, lang);
  const sessions = g?.sessions ?? iv?.sessions;
  const downtime = g?.downtimeDays ?? iv?.downtimeDays;
  const evidence = g?.evidence ?? (iv ? { level: iv.evidence.level, levelName: kb.manifest.evidenceScale.levels[iv.evidence.level], summary: iv.evidence.summary, citations: iv.citations } : undefined);
  return (
    <Paper withBorder p="sm" radius="sm" data-testid="plan-option" data-intervention={option.interventionId}>
      <Group justify="space-between" align="flex-start" gap="xs">
        <Stack gap={2}>
          <Group gap="xs">
            <Text fw={700}>{name}</Text>
            {g && <Badge variant="light" tt="none">{g.role === 'primary' ? t('plans.primary') : t('plans.adjunct')}</Badge>}
            {option.added && (
              <Badge variant="light" color="grape" tt="none">
                {t('plans.added')}
              </Badge>
            )}
          </Group>
          {evidence && (
            <Text size="sm" data-testid="plan-evidence" data-level={evidence.level}>
              {t('plans.evidence', { level: evidence.level, name: local(evidence.levelName, lang) })}
            </Text>
          )}
        </Stack>
        {editable && (
          <Group gap="xs">
            {option.ranges.length > 0 && (
              <Button size="xs" variant="default" onClick={() => setDosing((d) => !d)} disabled={busy}>
                {t('plans.setDose')}
              </Button>
            )}
            <Button
              size="xs"
              variant="light"
              color="red"
              disabled={busy}
              aria-label={t('plans.removeLabel', { name, n: goalRank })}
              onClick={() => void onEdit({ kind: 'remove', goalRank, interventionId: option.interventionId })}
            >
              {t('plans.remove')}
            </Button>
          </Group>
        )}
      </Group>
      {evidence && <Citations citations={evidence.citations} />}
      {g && g.rationale.length > 0 && (
        <List size="sm" mt={4} spacing={2}>
          {g.rationale.map((r, i) => (
            <List.Item key={i}>{local(r, lang)}</List.Item>
          ))}
        </List>
      )}
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs" mt="xs">
        {option.ranges.length > 0 && (
          <div>
            <Text size="xs" c="dimmed">
              {t('plans.doseRanges')}
            </Text>
            {option.ranges.map((d, i) => (
              <Text size="sm" key={i} data-testid="plan-dose-range" data-site={d.area}>
                {local(siteName(kb, d.area), lang)}: {rangeText(d)} ({d.per})
              </Text>
            ))}
          </div>
        )}
        {sessions && (
          <div>
            <Text size="xs" c="dimmed">
              {t('plans.sessions')}
            </Text>
            <Text size="sm">{sessionsText(tl, sessions)}</Text>
          </div>
        )}
        {downtime && (
          <div>
            <Text size="xs" c="dimmed">
              {t('plans.downtime')}
            </Text>
            <Text size="sm">{t('plans.daysRange', { min: downtime.min, max: downtime.max })}</Text>
          </div>
        )}
      </SimpleGrid>
      {option.doses.map((d) => (
        <Text key={d.site} size="sm" fw={600} c={d.outOfRange ? 'orange.9' : undefined} data-testid="plan-dose-set" data-out-of-range={d.outOfRange}>
          {t('plans.doseSet', { dose: `${d.site ? `${local(siteName(kb, d.site), lang)}: ` : ''}${d.value} ${d.unit}` })}
          {d.outOfRange ? ` (${t('plans.outOfRange')})` : ''}
        </Text>
      ))}
      {g && g.cautions.length > 0 && (
        <Stack gap={2} mt="xs">
          <Text size="xs" c="dimmed">
            {t('plans.cautions')}
          </Text>
          {g.cautions.map((c, i) => (
            <Text key={`${c.ruleId}-${i}`} size="sm" c="orange.9" data-testid="plan-caution">
              {local(c.reason, lang)}
            </Text>
          ))}
        </Stack>
      )}
      {dosing && editable && (
        <DoseForm
          kb={kb}
          option={option}
          goalArea={goalArea}
          busy={busy}
          onCancel={() => setDosing(false)}
          onSave={(site, value, unit) =>
            void onEdit({ kind: 'dose', goalRank, interventionId: option.interventionId, site, dose: { value, unit } }).then((ok) => ok && setDosing(false))
          }
        />
      )}
    </Paper>
  );
}

function DoseForm({ kb, option, goalArea, busy, onSave, onCancel }: { kb: KnowledgeBase; option: CurrentOption; goalArea: string; busy: boolean; onSave: (site: string, value: number, unit: string) => void; onCancel: () => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const sites = doseSites(option, goalArea);
  const [site, setSite] = useState(sites[0] ?? goalArea);
  // The knowledge base doses each site in one unit; the server refuses any other.
  const units = [...new Set(option.ranges.filter((r) => r.area === site).map((r) => r.unit))];
  const unitChoices = units.length ? units : UNITS;
  const [chosenUnit, setUnit] = useState<string>(unitChoices[0] ?? 'U');
  const unit = unitChoices.includes(chosenUnit) ? chosenUnit : (unitChoices[0] ?? 'U');
  const [value, setValue] = useState('');
  const n = value.trim() === '' ? Number.NaN : Number(value);
  const check = value.trim() === '' ? undefined : checkDose(kb, option.ranges, site, n, unit);
  return (
    <form
      data-testid="plan-dose-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (check && check.status !== 'invalid') onSave(site, n, unit);
      }}
    >
      <Stack gap="xs" mt="sm">
        <Group align="flex-end" gap="sm">
          {sites.length > 1 && (
            <NativeSelect label={t('plans.doseSite')} value={site} onChange={(e) => setSite(e.currentTarget.value)} data={sites.map((s) => ({ value: s, label: local(siteName(kb, s), lang) }))} />
          )}
          <TextInput label={t('plans.doseFor', { name: local(option.name, lang) })} inputMode="decimal" value={value} onChange={(e) => setValue(e.currentTarget.value)} w={220} />
          <NativeSelect label={t('plans.doseUnit')} value={unit} onChange={(e) => setUnit(e.currentTarget.value)} data={unitChoices} />
          <Button type="submit" size="sm" disabled={!check || check.status === 'invalid' || busy}>
            {t('plans.saveDose')}
          </Button>
          <Button variant="subtle" size="sm" onClick={onCancel}>
            {t('plans.cancel')}
          </Button>
        </Group>
        {check && (
          <Text size="sm" c={check.status === 'in-range' ? 'teal.8' : 'orange.9'} data-testid="plan-dose-check" data-status={check.status}>
            {check.status === 'invalid'
              ? t('plans.doseInvalid')
              : check.status === 'in-range'
                ? t('plans.doseIn', { range: rangeText(check.range) })
                : check.range
                  ? t('plans.doseOut', { range: rangeText(check.range) })
                  : t('plans.doseNoRange')}
          </Text>
        )}
      </Stack>
    </form>
  );
}

/** Regimen, calendar, well-aging, sun protection, skin checks, barrier care and genetics' part. */
export function PlanExtras({ record, lay = false }: { record: PlanRecord; lay?: boolean }) {
  const { t, i18n } = useTranslation();
  const tl = t as unknown as Loose;
  const lang = i18n.language;
  const { plan } = record;
  const because = (list: readonly { source: string; detail: string }[]) => (lay || list.length === 0 ? null : <Text size="xs" c="dimmed">{t('plans.influencedBy', { list: list.map((b) => b.detail).join('; ') })}</Text>);
  return (
    <Stack gap="md">
      <Paper withBorder p="sm" radius="sm" data-testid="plan-regimen" className="plan-block">
        <Title order={3} size="h5" mb="xs">
          {t('plans.regimen')}
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {(['am', 'pm'] as const).map((slot) => (
            <div key={slot}>
              <Text fw={600} size="sm">
                {t(`plans.${slot}`)}
              </Text>
              <List size="sm" type="ordered">
                {plan.regimen[slot].map((s) => (
                  <List.Item key={s.interventionId}>
                    {local(s.name, lang)}
                    {s.frequency !== 'daily' ? ` — ${tl(`plans.frequency.${s.frequency}`)}` : ''}
                    {s.notes.map((n, i) => (
                      <Text key={i} size="xs" c="dimmed">
                        {local(n, lang)}
                      </Text>
                    ))}
                  </List.Item>
                ))}
              </List>
            </div>
          ))}
        </SimpleGrid>
        {!lay && plan.regimen.checks.length > 0 && (
          <Stack gap={4} mt="xs" data-testid="plan-interactions">
            <Text size="xs" c="dimmed">
              {t('plans.interactions')}
            </Text>
            {plan.regimen.checks.map((c) => (
              <Text key={c.interactionId} size="sm">
                {c.actives.join(' + ')}: {local(c.note, lang)} — {tl(`plans.resolution.${c.resolution}`)}
              </Text>
            ))}
          </Stack>
        )}
      </Paper>
      <Paper withBorder p="sm" radius="sm" data-testid="plan-calendar" className="plan-block">
        <Title order={3} size="h5" mb="xs">
          {t('plans.calendar')}
        </Title>
        <Table verticalSpacing={2} aria-label={t('plans.calendar')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('plans.date')}</Table.Th>
              <Table.Th scope="col">{t('plans.what')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {plan.calendar.map((c, i) => (
              <Table.Tr key={i}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDate(c.date, lang)}</Table.Td>
                <Table.Td>{local(c.label, lang)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Paper withBorder p="sm" radius="sm" data-testid="plan-sun" className="plan-block">
          <Title order={3} size="h5" mb="xs">
            {t('plans.sun')}
          </Title>
          <Text size="sm" fw={600}>
            {t('plans.spf', { spf: plan.sunProtection.spf })}
          </Text>
          <Text size="sm">{local(plan.sunProtection.advice, lang)}</Text>
          {because(plan.sunProtection.because)}
          <Title order={3} size="h5" mt="sm" mb="xs">
            {t('plans.skinCheck')}
          </Title>
          {plan.skinCheck.intervalMonths !== null && <Text size="sm" fw={600}>{t('plans.skinCheckEvery', { n: plan.skinCheck.intervalMonths })}</Text>}
          <Text size="sm">{local(plan.skinCheck.advice, lang)}</Text>
          {because(plan.skinCheck.because)}
          {!lay && <Citations citations={plan.skinCheck.citations} />}
          {plan.barrierCare && (
            <>
              <Title order={3} size="h5" mt="sm" mb="xs">
                {t('plans.barrier')}
              </Title>
              <Text size="sm">{local(plan.barrierCare.advice, lang)}</Text>
              {because(plan.barrierCare.because)}
            </>
          )}
          {!lay && (
            <Stack gap={2} mt="sm" data-testid="plan-genetics">
              <Text size="xs" c="dimmed">
                {t('plans.genetics')}
              </Text>
              {plan.genetics.influences.length === 0 ? (
                <Text size="sm">{t('plans.geneticsNone')}</Text>
              ) : (
                plan.genetics.influences.map((g, i) => (
                  <Text key={i} size="sm">
                    {local(g.effect, lang)} ({g.variants.join(', ')})
                  </Text>
                ))
              )}
            </Stack>
          )}
        </Paper>
        <Paper withBorder p="sm" radius="sm" data-testid="plan-wellaging" className="plan-block">
          <Title order={3} size="h5" mb="xs">
            {t('plans.wellAging')}
          </Title>
          <Stack gap="xs">
            {plan.wellAging.map((w) => (
              <div key={w.interventionId}>
                <Text size="sm" fw={600}>
                  {local(w.name, lang)}
                </Text>
                <Text size="sm">{local(w.rationale, lang)}</Text>
                {!lay && w.factor && (
                  <Text size="xs" c="dimmed">
                    {t('plans.wellAgingFactor', { factor: w.factor })}
                    {w.ref ? ` — ${w.ref}` : ''}
                  </Text>
                )}
              </div>
            ))}
          </Stack>
        </Paper>
      </SimpleGrid>
    </Stack>
  );
}

/** "Where this came from": each profile value and the record entry it was read from. */
function ProfileSources({ sources, missing }: { sources: readonly Sourced[]; missing: readonly string[] }) {
  const { t, i18n } = useTranslation();
  return (
    <Paper withBorder p="sm" radius="sm" data-testid="plan-profile">
      <Title order={3} size="h5" mb="xs">
        {t('plans.profile')}
      </Title>
      <Table verticalSpacing={2} aria-label={t('plans.profile')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('plans.field')}</Table.Th>
            <Table.Th scope="col">{t('plans.value')}</Table.Th>
            <Table.Th scope="col">{t('plans.source')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sources.map((s, i) => (
            <Table.Tr key={i} data-field={s.field}>
              <Table.Td>{s.field}</Table.Td>
              <Table.Td>{valueText(s.value)}</Table.Td>
              <Table.Td>
                {s.source.display}
                {s.source.resourceType && s.source.resourceId ? ` (${s.source.resourceType}/${s.source.resourceId})` : ''}
                {s.source.date ? ` — ${formatDate(s.source.date, i18n.language)}` : ''}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {missing.length > 0 && (
        <Text size="sm" c="dimmed" mt="xs">
          {t('plans.missing', { fields: missing.join(', ') })}
        </Text>
      )}
    </Paper>
  );
}
