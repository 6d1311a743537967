/**
 * Builds a QuestionnaireResponse from a flat draft of answers, nesting each answer where the
 * Questionnaire puts it. Used by the fixtures, the synthetic generator and (later) the web
 * portal's save-as-you-go: the draft is what a form naturally holds.
 *
 * Draft values: boolean, number, string (a choice item's option code; an open-choice string
 * that is no option's code becomes free text), an array of those for repeating items, or an
 * array of drafts for a repeating group's instances.
 */
import type { QuestionnaireResponse, QuestionnaireResponseItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import type { IndexedItem, QuestionnaireIndex } from './questionnaire-index.ts';

export type DraftValue = boolean | number | string;
export interface Draft {
  readonly [linkId: string]: DraftValue | readonly DraftValue[] | readonly Draft[] | undefined;
}

export interface ResponseMeta {
  readonly id?: string;
  readonly status?: QuestionnaireResponse['status'];
  readonly subject?: string;
  readonly authored?: string;
}

function toAnswer(def: IndexedItem, value: DraftValue): QuestionnaireResponseItemAnswer {
  switch (def.type) {
    case 'boolean':
      return { valueBoolean: value as boolean };
    case 'integer':
      return { valueInteger: value as number };
    case 'decimal':
      return { valueDecimal: value as number };
    case 'date':
      return { valueDate: String(value) };
    case 'choice':
    case 'open-choice': {
      const option = def.options.find((o) => o.code === value);
      if (option) return { valueCoding: { ...(option.system ? { system: option.system } : {}), code: option.code, display: option.display.en } };
      if (def.type === 'choice') throw new Error(`${def.linkId}: "${String(value)}" is not an option`);
      return { valueString: String(value) };
    }
    default:
      return { valueString: String(value) };
  }
}

/** The response items for `linkIds` from `draft` (recursively); empty groups are left out. */
function itemsFor(linkIds: readonly string[], draft: Draft, index: QuestionnaireIndex): QuestionnaireResponseItem[] {
  const out: QuestionnaireResponseItem[] = [];
  for (const linkId of linkIds) {
    const def = index.items.get(linkId);
    if (!def) continue;
    if (def.type === 'group') {
      if (def.repeats) {
        const instances = (draft[linkId] ?? []) as readonly Draft[];
        for (const inst of instances) {
          const children = itemsFor(def.children, inst, index);
          if (children.length) out.push({ linkId, item: children });
        }
      } else {
        const children = itemsFor(def.children, draft, index);
        if (children.length) out.push({ linkId, item: children });
      }
      continue;
    }
    const value = draft[linkId];
    if (value === undefined) continue;
    const values = (Array.isArray(value) ? value : [value]) as DraftValue[];
    out.push({ linkId, answer: values.map((v) => toAnswer(def, v)) });
  }
  return out;
}

/** A QuestionnaireResponse to the indexed questionnaire holding the draft's answers. */
export function buildResponse(draft: Draft, index: QuestionnaireIndex, meta: ResponseMeta = {}): QuestionnaireResponse {
  return {
    resourceType: 'QuestionnaireResponse',
    ...(meta.id ? { id: meta.id } : {}),
    questionnaire: `${index.url}|${index.version}`,
    status: meta.status ?? 'completed',
    ...(meta.subject ? { subject: { reference: meta.subject } } : {}),
    ...(meta.authored ? { authored: meta.authored } : {}),
    item: itemsFor(index.roots, draft, index),
  };
}
