/**
 * A Questionnaire read once into a lookup table: each item by linkId with its parent chain,
 * its English and Spanish text, its options (with ordinal scores) and its limits. Every other
 * intake engine works from this index rather than walking the FHIR tree again.
 */
import type { Coding, Extension, Questionnaire, QuestionnaireItem, QuestionnaireItemEnableWhen } from '@medplum/fhirtypes';
import { EXT_EXCLUSIVE, EXT_MAX, EXT_MIN, EXT_ORDINAL, EXT_TRANSLATION, EXT_UNIT } from './questionnaire-source.ts';

/** Languages the intake speaks. */
export type Lang = 'en' | 'es';

/** A text in every language the intake speaks. */
export interface Text {
  readonly en: string;
  readonly es: string;
}

export interface IndexedOption {
  readonly system: string | undefined;
  readonly code: string;
  readonly display: Text;
  /** Score from the ordinalValue extension (Fitzpatrick 0-4, DCQ 0-3). */
  readonly ordinal: number | undefined;
  readonly exclusive: boolean;
}

export interface IndexedItem {
  readonly linkId: string;
  readonly type: QuestionnaireItem['type'];
  readonly text: Text;
  readonly required: boolean;
  readonly repeats: boolean;
  /** Parent item linkIds, outermost first. */
  readonly ancestors: readonly string[];
  /** The nearest enclosing repeating group, if any (answers live per instance of it). */
  readonly repeatingGroup: string | undefined;
  readonly options: readonly IndexedOption[];
  readonly enableWhen: readonly QuestionnaireItemEnableWhen[];
  readonly enableBehavior: 'all' | 'any';
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly maxLength: number | undefined;
  readonly unit: Coding | undefined;
  readonly children: readonly string[];
  readonly code: readonly Coding[];
}

export interface QuestionnaireIndex {
  readonly url: string;
  readonly version: string;
  readonly items: ReadonlyMap<string, IndexedItem>;
  /** linkIds of the top-level items, in questionnaire order. */
  readonly roots: readonly string[];
  /** Every linkId in questionnaire (depth-first) order. */
  readonly order: readonly string[];
}

/** The Spanish translation of a primitive, from its `_x` element's translation extension. */
export function translation(element: unknown, lang: string): string | undefined {
  const exts = (element as { extension?: Extension[] } | undefined)?.extension ?? [];
  for (const e of exts) {
    if (e.url !== EXT_TRANSLATION) continue;
    const parts = e.extension ?? [];
    if (parts.find((p) => p.url === 'lang')?.valueCode === lang) return parts.find((p) => p.url === 'content')?.valueString;
  }
  return undefined;
}

const numberOf = (e: Extension | undefined): number | undefined => e?.valueInteger ?? e?.valueDecimal;

/** Builds the index; throws on a malformed questionnaire (a bug in shipped content, not user input). */
export function indexQuestionnaire(q: Questionnaire): QuestionnaireIndex {
  if (!q.url || !q.version) throw new Error('The questionnaire needs a url and a version');
  const items = new Map<string, IndexedItem>();
  const order: string[] = [];
  const visit = (item: QuestionnaireItem, ancestors: string[], repeatingGroup: string | undefined): void => {
    if (items.has(item.linkId)) throw new Error(`Duplicate linkId ${item.linkId}`);
    const exts = item.extension ?? [];
    const withTranslation = item as QuestionnaireItem & { _text?: unknown };
    const text = item.text ?? item.linkId;
    order.push(item.linkId);
    items.set(item.linkId, {
      linkId: item.linkId,
      type: item.type,
      text: { en: text, es: translation(withTranslation._text, 'es') ?? text },
      required: item.required === true,
      repeats: item.repeats === true,
      ancestors,
      repeatingGroup,
      options: (item.answerOption ?? []).flatMap((opt) => {
        const c = opt.valueCoding;
        if (!c?.code) return [];
        const display = c.display ?? c.code;
        return [
          {
            system: c.system,
            code: c.code,
            display: { en: display, es: translation((c as { _display?: unknown })._display, 'es') ?? display },
            ordinal: numberOf(opt.extension?.find((e) => e.url === EXT_ORDINAL)),
            exclusive: opt.extension?.some((e) => e.url === EXT_EXCLUSIVE && e.valueBoolean === true) ?? false,
          },
        ];
      }),
      enableWhen: item.enableWhen ?? [],
      enableBehavior: item.enableBehavior ?? 'all',
      min: numberOf(exts.find((e) => e.url === EXT_MIN)),
      max: numberOf(exts.find((e) => e.url === EXT_MAX)),
      maxLength: item.maxLength,
      unit: exts.find((e) => e.url === EXT_UNIT)?.valueCoding,
      children: (item.item ?? []).map((c) => c.linkId),
      code: item.code ?? [],
    });
    const inner = item.type === 'group' && item.repeats ? item.linkId : repeatingGroup;
    for (const child of item.item ?? []) visit(child, [...ancestors, item.linkId], inner);
  };
  for (const item of q.item ?? []) visit(item, [], undefined);
  return { url: q.url, version: q.version, items, roots: (q.item ?? []).map((i) => i.linkId), order };
}

/** The item, or a thrown Error: engines ask only for linkIds they know exist. */
export function itemOf(index: QuestionnaireIndex, linkId: string): IndexedItem {
  const item = index.items.get(linkId);
  if (!item) throw new Error(`No item ${linkId} in ${index.url}|${index.version}`);
  return item;
}

/** The option matching a coding (system and code; code alone when the coding has no system). */
export function optionFor(item: IndexedItem, coding: Coding | undefined): IndexedOption | undefined {
  if (!coding?.code) return undefined;
  return item.options.find((o) => o.code === coding.code && (coding.system === undefined || o.system === coding.system));
}
