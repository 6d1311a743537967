import { Autocomplete, Checkbox, Group, NativeSelect, Radio, Stack, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { IndexedItem, Lang } from './engine.ts';
import { checkAnswer, hasValue, parseNumber, type AnswerProblem, type DraftValue, type FieldValue } from './form.ts';
import { problemMessage } from './present.ts';

/** Radio buttons up to this many options (easy to tap); a native select beyond. */
const MAX_RADIOS = 6;
/** Short answers get a short box; the question above keeps the full width. */
const NARROW = { wrapper: { maxWidth: 220 } };

export interface QuestionFieldProps {
  item: IndexedItem;
  value: FieldValue;
  lang: Lang;
  /** "Today" (YYYY-MM-DD) for the no-future-dates check. */
  today: string;
  /** The element id: the review step's "go to" links focus it. */
  id: string;
  onChange(value: FieldValue): void;
  /** Reports text that is not a value at all (e.g. "twelve" in a number field), or its correction. */
  onTypeProblem(problem: AnswerProblem | undefined): void;
  /** A problem the server found in this answer at the last save. */
  serverIssue?: string | undefined;
}

/**
 * One question as a labelled control for its type, with the problem of the answer given
 * shown right under it. The label is the question in the chosen language; required
 * questions carry the asterisk.
 */
export function QuestionField(props: QuestionFieldProps) {
  const { t } = useTranslation();
  const { item, value, lang, today, id, onChange, serverIssue } = props;
  const [typeProblem, setTypeProblem] = useState<AnswerProblem | undefined>(undefined);
  const label = item.text[lang];
  const single = Array.isArray(value) ? value[0] : value;
  const given = hasValue(value) ? ((Array.isArray(value) ? value : [value]) as DraftValue[]) : [];
  const problem = typeProblem ?? given.map((v) => checkAnswer(item, v, today)).find((p) => p !== undefined);
  const local = problem ? (() => {
    const m = problemMessage(problem);
    return t(m.key, m.values);
  })() : undefined;
  const error = local ?? serverIssue;
  const common = { label, withAsterisk: item.required, error, id, 'data-linkid': item.linkId } as const;
  const reportType = (p: AnswerProblem | undefined) => {
    setTypeProblem(p);
    props.onTypeProblem(p);
  };

  switch (item.type) {
    case 'boolean':
      return (
        <Radio.Group
          {...common}
          id={undefined}
          value={typeof single === 'boolean' ? String(single) : ''}
          onChange={(v) => onChange(v === 'true' ? true : v === 'false' ? false : undefined)}
        >
          <Group mt={4} gap="lg">
            <Radio id={id} value="true" label={t('intake.yes')} />
            <Radio value="false" label={t('intake.no')} />
          </Group>
        </Radio.Group>
      );
    case 'integer':
    case 'decimal':
      return <NumberField {...props} label={label} error={error} onType={reportType} />;
    case 'date':
      return (
        <TextInput
          {...common}
          type="date"
          max={today}
          styles={NARROW}
          value={typeof single === 'string' ? single : ''}
          onChange={(e) => onChange(e.currentTarget.value || undefined)}
        />
      );
    case 'text':
      return <Textarea {...common} autosize minRows={3} maxRows={10} value={typeof single === 'string' ? single : ''} onChange={(e) => onChange(e.currentTarget.value)} />;
    case 'open-choice': {
      const code = typeof single === 'string' ? single : '';
      const option = item.options.find((o) => o.code === code);
      const shown = option ? option.display[lang] : code;
      return (
        <Autocomplete
          {...common}
          description={t('intake.openChoiceHint')}
          data={item.options.map((o) => o.display[lang])}
          value={shown}
          onChange={(text) => {
            // A typed or picked label that is one of the options is stored as that coded option.
            const match = item.options.find((o) => o.display[lang].toLowerCase() === text.trim().toLowerCase() || o.display.en.toLowerCase() === text.trim().toLowerCase());
            onChange(match ? match.code : text);
          }}
        />
      );
    }
    case 'choice': {
      if (item.repeats) {
        const chosen = given.map(String);
        return (
          <Checkbox.Group
            {...common}
            id={undefined}
            value={chosen}
            onChange={(next) => {
              // An exclusive option ("none") clears the others, and any other clears it.
              const added = next.find((c) => !chosen.includes(c));
              const exclusive = new Set(item.options.filter((o) => o.exclusive).map((o) => o.code));
              let kept = next;
              if (added !== undefined) kept = exclusive.has(added) ? [added] : next.filter((c) => !exclusive.has(c));
              onChange(kept.length ? kept : undefined);
            }}
          >
            <Stack mt={4} gap={6}>
              {item.options.map((o, i) => (
                <Checkbox key={o.code} id={i === 0 ? id : undefined} value={o.code} label={o.display[lang]} />
              ))}
            </Stack>
          </Checkbox.Group>
        );
      }
      const current = typeof single === 'string' ? single : '';
      if (item.options.length <= MAX_RADIOS) {
        return (
          <Radio.Group {...common} id={undefined} value={current} onChange={(v) => onChange(v || undefined)}>
            <Stack mt={4} gap={6}>
              {item.options.map((o, i) => (
                <Radio key={o.code} id={i === 0 ? id : undefined} value={o.code} label={o.display[lang]} />
              ))}
            </Stack>
          </Radio.Group>
        );
      }
      return (
        <NativeSelect
          {...common}
          maw={480}
          value={current}
          onChange={(e) => onChange(e.currentTarget.value || undefined)}
          data={[{ value: '', label: t('intake.choose') }, ...item.options.map((o) => ({ value: o.code, label: o.display[lang] }))]}
        />
      );
    }
    default:
      return <TextInput {...common} value={typeof single === 'string' ? single : ''} onChange={(e) => onChange(e.currentTarget.value)} />;
  }
}

/**
 * A number typed as text: what is typed stays on screen even when it is not a number, so
 * the message can say what is wrong; the draft holds only real numbers.
 */
function NumberField(props: QuestionFieldProps & { label: string; error: string | undefined; onType(p: AnswerProblem | undefined): void }) {
  const { item, value, id, onChange, onType, label, error } = props;
  const [text, setText] = useState(typeof value === 'number' ? String(value) : '');
  // The unit's display is English only and the question text already names years, days and
  // weeks; mmHg reads the same in both languages.
  const unit = item.unit?.code === 'mm[Hg]' ? 'mmHg' : undefined;
  return (
    <TextInput
      label={label}
      withAsterisk={item.required}
      error={error}
      id={id}
      data-linkid={item.linkId}
      styles={NARROW}
      inputMode={item.type === 'integer' ? 'numeric' : 'decimal'}
      rightSection={unit ? <span aria-hidden>{unit}</span> : undefined}
      rightSectionWidth={unit ? 64 : undefined}
      value={text}
      onChange={(e) => {
        const next = e.currentTarget.value;
        setText(next);
        const parsed = parseNumber(next, item.type === 'integer' ? 'integer' : 'decimal');
        if (parsed === undefined) {
          onType(undefined);
          onChange(undefined);
        } else if ('problem' in parsed) {
          onType(parsed.problem);
          onChange(undefined);
        } else {
          onType(undefined);
          onChange(parsed.value);
        }
      }}
    />
  );
}
