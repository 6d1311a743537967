/**
 * Checks a QuestionnaireResponse against the shipped intake Questionnaire (or another one
 * passed in). Pure: the time "now" is `asOf`.
 *
 * Errors (the response cannot be used): another questionnaire or version, an unknown or
 * misplaced linkId, a wrong answer type, an answer that is not one of the options, several
 * answers to a single-answer item, a date in the future, an impossible value (the item's
 * minValue/maxValue/maxLength), inconsistent answers, an answer to an item that enableWhen
 * disables. Each names the linkId and the item's text.
 *
 * Missing required items are not errors: they are listed in `missing`, so a partial response
 * still gives a partial note that says what is missing.
 */
import type { QuestionnaireResponse, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import { AppError } from '../platform/errors.ts';
import { createEnableWhenEvaluator, type EnableWhenEvaluator } from './enable-when.ts';
import { itemOf, optionFor, type IndexedItem, type Lang, type QuestionnaireIndex, type Text } from './questionnaire-index.ts';
import { answersOf, instancesOf, intOf, viewResponse, type ResponseView, type Scope } from './response-view.ts';
import { SHIPPED_INDEX } from './shipped-index.ts';
import { dateStart } from './dates.ts';

export type IntakeIssueCode =
  | 'NOT_A_RESPONSE'
  | 'WRONG_QUESTIONNAIRE'
  | 'WRONG_VERSION'
  | 'BAD_STATUS'
  | 'MALFORMED_ITEM'
  | 'UNKNOWN_LINK_ID'
  | 'MISPLACED_ITEM'
  | 'DUPLICATE_ITEM'
  | 'WRONG_ANSWER_TYPE'
  | 'NOT_AN_OPTION'
  | 'TOO_MANY_ANSWERS'
  | 'EXCLUSIVE_OPTION'
  | 'FUTURE_DATE'
  | 'IMPOSSIBLE_VALUE'
  | 'TEXT_TOO_LONG'
  | 'INCONSISTENT_ANSWERS'
  | 'ANSWER_TO_DISABLED_ITEM';

/** One reason a response cannot be used, naming the item. */
export interface IntakeIssue {
  readonly code: IntakeIssueCode;
  /** The item's linkId; absent for whole-response problems. */
  readonly linkId?: string;
  /** The item's text in English and Spanish (when the linkId is known). */
  readonly itemText?: Text;
  /** Where in the response JSON, e.g. `item[3].item[0].answer[0]`. */
  readonly path: string;
  readonly message: Text;
}

/** A required item that the response leaves unanswered. */
export interface MissingItem {
  readonly linkId: string;
  readonly text: Text;
  /** The repeating-group instance it belongs to, e.g. `med.list[1]`; absent at top level. */
  readonly instance?: string;
}

export interface IntakeValidation {
  /** True when there are no errors (missing items do not make it false). */
  readonly ok: boolean;
  readonly errors: readonly IntakeIssue[];
  readonly missing: readonly MissingItem[];
  /** No errors and nothing missing. */
  readonly complete: boolean;
  /** The response read into scopes (for the other engines); absent when it is not a response at all. */
  readonly view: ResponseView | undefined;
  readonly enableWhen: EnableWhenEvaluator | undefined;
}

export interface ValidateOptions {
  /** "Now" for future-date checks: an ISO 8601 date or date-time. */
  readonly asOf: string;
  readonly index?: QuestionnaireIndex;
}

const ANSWER_KEYS = ['valueBoolean', 'valueDecimal', 'valueInteger', 'valueDate', 'valueDateTime', 'valueTime', 'valueString', 'valueUri', 'valueAttachment', 'valueCoding', 'valueQuantity', 'valueReference'] as const;

/** Which value[x] each item type accepts (R4 Questionnaire item types). */
const ACCEPTS: Partial<Record<IndexedItem['type'], readonly string[]>> = {
  boolean: ['valueBoolean'],
  decimal: ['valueDecimal'],
  integer: ['valueInteger'],
  date: ['valueDate'],
  dateTime: ['valueDateTime'],
  time: ['valueTime'],
  string: ['valueString'],
  text: ['valueString'],
  url: ['valueUri'],
  choice: ['valueCoding'],
  'open-choice': ['valueCoding', 'valueString'],
  attachment: ['valueAttachment'],
  reference: ['valueReference'],
  quantity: ['valueQuantity'],
};

const TYPE_NAMES: Record<string, Text> = {
  valueBoolean: { en: 'yes or no', es: 'sí o no' },
  valueDecimal: { en: 'a number', es: 'un número' },
  valueInteger: { en: 'a whole number', es: 'un número entero' },
  valueDate: { en: 'a date', es: 'una fecha' },
  valueDateTime: { en: 'a date and time', es: 'una fecha y hora' },
  valueTime: { en: 'a time', es: 'una hora' },
  valueString: { en: 'text', es: 'texto' },
  valueUri: { en: 'a URL', es: 'una URL' },
  valueCoding: { en: 'one of the listed options', es: 'una de las opciones' },
  valueQuantity: { en: 'a quantity', es: 'una cantidad' },
  valueAttachment: { en: 'a file', es: 'un archivo' },
  valueReference: { en: 'a reference', es: 'una referencia' },
};

const t = (en: string, es: string): Text => ({ en, es });

/** Validates `value` as a response to the intake questionnaire. Never throws for bad input. */
export function validateIntakeResponse(value: unknown, options: ValidateOptions): IntakeValidation {
  const index = options.index ?? SHIPPED_INDEX;
  const today = options.asOf.slice(0, 10);
  const errors: IntakeIssue[] = [];
  const fail = (code: IntakeIssueCode, path: string, message: Text, item?: IndexedItem): void => {
    errors.push({ code, path, message, ...(item ? { linkId: item.linkId, itemText: item.text } : {}) });
  };

  if (typeof value !== 'object' || value === null || Array.isArray(value) || (value as { resourceType?: unknown }).resourceType !== 'QuestionnaireResponse') {
    fail('NOT_A_RESPONSE', 'resourceType', t('This is not a FHIR QuestionnaireResponse.', 'Esto no es un QuestionnaireResponse de FHIR.'));
    return { ok: false, errors, missing: [], complete: false, view: undefined, enableWhen: undefined };
  }
  const response = value as QuestionnaireResponse;
  const canonical = typeof response.questionnaire === 'string' ? response.questionnaire : '';
  const [url, version] = canonical.split('|');
  if (url !== index.url) {
    fail('WRONG_QUESTIONNAIRE', 'questionnaire', t(`The response is for "${canonical.slice(0, 200)}", not ${index.url}.`, `La respuesta corresponde a "${canonical.slice(0, 200)}", no a ${index.url}.`));
  } else if (version !== index.version) {
    const said = version === undefined ? t('no version', 'ninguna versión') : t(`version ${version}`, `la versión ${version}`);
    fail('WRONG_VERSION', 'questionnaire', t(`The response names ${said.en}; this intake is version ${index.version} (${index.url}|${index.version}).`, `La respuesta indica ${said.es}; este cuestionario es la versión ${index.version} (${index.url}|${index.version}).`));
  }
  if (!['in-progress', 'completed', 'amended'].includes(response.status as string)) {
    fail('BAD_STATUS', 'status', t(`status must be in-progress, completed or amended, not "${String(response.status).slice(0, 40)}".`, `status debe ser in-progress, completed o amended, no "${String(response.status).slice(0, 40)}".`));
  }
  if (response.item !== undefined && !Array.isArray(response.item)) {
    fail('MALFORMED_ITEM', 'item', t('item must be a list.', 'item debe ser una lista.'));
    return { ok: false, errors, missing: [], complete: false, view: undefined, enableWhen: undefined };
  }

  // Structure: every item where the questionnaire puts it, with answers of the right type.
  const checkItems = (items: unknown, allowed: readonly string[], path: string): void => {
    if (items === undefined) return;
    if (!Array.isArray(items)) {
      fail('MALFORMED_ITEM', `${path}item`, t('item must be a list.', 'item debe ser una lista.'));
      return;
    }
    const seen = new Map<string, number>();
    items.forEach((raw: unknown, i) => {
      const here = `${path}item[${i}]`;
      const linkId = (raw as { linkId?: unknown } | null)?.linkId;
      if (typeof raw !== 'object' || raw === null || typeof linkId !== 'string') {
        fail('MALFORMED_ITEM', here, t('Each item needs a linkId.', 'Cada elemento necesita un linkId.'));
        return;
      }
      const def = index.items.get(linkId);
      if (!def) {
        fail('UNKNOWN_LINK_ID', `${here}.linkId`, t(`"${linkId.slice(0, 100)}" is not a question of this intake.`, `"${linkId.slice(0, 100)}" no es una pregunta de este cuestionario.`));
        return;
      }
      if (!allowed.includes(linkId)) {
        fail('MISPLACED_ITEM', here, t(`"${def.text.en}" is not in this place of the intake.`, `"${def.text.es}" no está en este lugar del cuestionario.`), def);
        return;
      }
      const count = (seen.get(linkId) ?? 0) + 1;
      seen.set(linkId, count);
      if (count > 1 && !(def.type === 'group' && def.repeats)) {
        fail('DUPLICATE_ITEM', here, t(`"${def.text.en}" appears more than once.`, `"${def.text.es}" aparece más de una vez.`), def);
      }
      const item = raw as { answer?: unknown; item?: unknown };
      if (def.type === 'group' || def.type === 'display') {
        if (item.answer !== undefined) fail('WRONG_ANSWER_TYPE', `${here}.answer`, t(`"${def.text.en}" is a heading and takes no answer.`, `"${def.text.es}" es un encabezado y no admite respuesta.`), def);
        checkItems(item.item, def.children, `${here}.`);
        return;
      }
      if (item.item !== undefined) fail('MALFORMED_ITEM', `${here}.item`, t(`"${def.text.en}" has no sub-questions.`, `"${def.text.es}" no tiene subpreguntas.`), def);
      if (item.answer === undefined) return;
      if (!Array.isArray(item.answer)) {
        fail('MALFORMED_ITEM', `${here}.answer`, t('answer must be a list.', 'answer debe ser una lista.'), def);
        return;
      }
      if (item.answer.length > 1 && !def.repeats) {
        fail('TOO_MANY_ANSWERS', `${here}.answer`, t(`"${def.text.en}" takes one answer, not ${item.answer.length}.`, `"${def.text.es}" admite una respuesta, no ${item.answer.length}.`), def);
      }
      item.answer.forEach((a: unknown, j: number) => checkAnswer(def, a, `${here}.answer[${j}]`));
      const exclusive = def.options.filter((o) => o.exclusive).map((o) => o.code);
      const codes = (item.answer as QuestionnaireResponseItemAnswer[]).map((a) => a?.valueCoding?.code);
      if (codes.length > 1 && codes.some((c) => c !== undefined && exclusive.includes(c))) {
        fail('EXCLUSIVE_OPTION', `${here}.answer`, t(`"${def.text.en}": "none" cannot be combined with other options.`, `"${def.text.es}": "ninguna" no se puede combinar con otras opciones.`), def);
      }
    });
  };

  const checkAnswer = (def: IndexedItem, raw: unknown, path: string): void => {
    const accepted = ACCEPTS[def.type] ?? [];
    const expected = accepted.map((k) => TYPE_NAMES[k]!);
    const wanted = t(expected.map((x) => x.en).join(' or '), expected.map((x) => x.es).join(' o '));
    if (typeof raw !== 'object' || raw === null) {
      fail('WRONG_ANSWER_TYPE', path, t(`"${def.text.en}" needs ${wanted.en}.`, `"${def.text.es}" necesita ${wanted.es}.`), def);
      return;
    }
    const answer = raw as Record<string, unknown>;
    const keys = ANSWER_KEYS.filter((k) => answer[k] !== undefined);
    const key = keys[0];
    if (keys.length !== 1 || !key || !accepted.includes(key)) {
      fail('WRONG_ANSWER_TYPE', path, t(`"${def.text.en}" needs ${wanted.en}.`, `"${def.text.es}" necesita ${wanted.es}.`), def);
      return;
    }
    if (answer.item !== undefined) fail('MALFORMED_ITEM', `${path}.item`, t(`"${def.text.en}" has no follow-up questions inside its answer.`, `"${def.text.es}" no tiene preguntas dentro de la respuesta.`), def);
    const v = answer[key];
    const wrongType = (): void => fail('WRONG_ANSWER_TYPE', path, t(`"${def.text.en}" needs ${wanted.en}.`, `"${def.text.es}" necesita ${wanted.es}.`), def);
    switch (key) {
      case 'valueBoolean':
        if (typeof v !== 'boolean') wrongType();
        return;
      case 'valueInteger':
      case 'valueDecimal': {
        if (typeof v !== 'number' || !Number.isFinite(v) || (key === 'valueInteger' && !Number.isInteger(v))) return wrongType();
        const unit = def.unit?.display ?? '';
        if ((def.min !== undefined && v < def.min) || (def.max !== undefined && v > def.max)) {
          fail(
            'IMPOSSIBLE_VALUE',
            path,
            t(`"${def.text.en}": ${v} is not possible; it must be between ${def.min ?? '-∞'} and ${def.max ?? '∞'}${unit ? ` ${unit}` : ''}.`, `"${def.text.es}": ${v} no es posible; debe estar entre ${def.min ?? '-∞'} y ${def.max ?? '∞'}${unit ? ` ${unit}` : ''}.`),
            def,
          );
        }
        return;
      }
      case 'valueDate': {
        const start = typeof v === 'string' ? dateStart(v) : undefined;
        if (!start) {
          fail('WRONG_ANSWER_TYPE', path, t(`"${def.text.en}" needs a date as YYYY, YYYY-MM or YYYY-MM-DD.`, `"${def.text.es}" necesita una fecha como AAAA, AAAA-MM o AAAA-MM-DD.`), def);
          return;
        }
        // Every date this intake asks for is in the past (diagnoses, treatments, readings).
        if (start > today) {
          fail('FUTURE_DATE', path, t(`"${def.text.en}": ${String(v)} is in the future (today is ${today}).`, `"${def.text.es}": ${String(v)} es una fecha futura (hoy es ${today}).`), def);
        }
        return;
      }
      case 'valueString': {
        if (typeof v !== 'string') return wrongType();
        if (def.maxLength !== undefined && v.length > def.maxLength) {
          fail('TEXT_TOO_LONG', path, t(`"${def.text.en}" is limited to ${def.maxLength} characters.`, `"${def.text.es}" admite como máximo ${def.maxLength} caracteres.`), def);
        }
        if (v.includes('\u0000')) wrongType();
        return;
      }
      case 'valueCoding': {
        const coding = v as { code?: unknown; system?: unknown };
        if (typeof coding !== 'object' || coding === null || typeof coding.code !== 'string') return wrongType();
        if (!optionFor(def, { code: coding.code, ...(typeof coding.system === 'string' ? { system: coding.system } : {}) })) {
          fail('NOT_AN_OPTION', path, t(`"${def.text.en}": "${coding.code.slice(0, 60)}" is not one of the options.`, `"${def.text.es}": "${coding.code.slice(0, 60)}" no es una de las opciones.`), def);
        }
        return;
      }
      default:
        return;
    }
  };

  checkItems(response.item, index.roots, '');
  const view = viewResponse(response, index);
  const enableWhen = createEnableWhenEvaluator(index);

  // Answers to items that enableWhen disables (reported once, on the outermost disabled item).
  for (const node of view.nodes) {
    const def = index.items.get(node.linkId);
    if (!def || !hasAnswersBelow(node.item)) continue;
    if (!enableWhen.isEnabled(def.linkId, node.scope)) {
      const parent = def.ancestors[def.ancestors.length - 1];
      if (parent && !enableWhen.isEnabled(parent, node.scope)) continue;
      fail('ANSWER_TO_DISABLED_ITEM', node.path, t(`"${def.text.en}" should not be answered given the earlier answers (${conditionsText(def, index, 'en')}).`, `"${def.text.es}" no debe responderse dadas las respuestas anteriores (${conditionsText(def, index, 'es')}).`), def);
    }
  }

  crossChecks(view, index, fail);
  const missing = findMissing(view, index, enableWhen);
  const ok = errors.length === 0;
  return { ok, errors, missing, complete: ok && missing.length === 0, view, enableWhen };
}

function hasAnswersBelow(item: { answer?: unknown; item?: unknown }): boolean {
  if (Array.isArray(item.answer) && item.answer.length > 0) return true;
  return Array.isArray(item.item) && item.item.some((i: unknown) => typeof i === 'object' && i !== null && hasAnswersBelow(i as { answer?: unknown; item?: unknown }));
}

function conditionsText(def: IndexedItem, index: QuestionnaireIndex, lang: Lang): string {
  const own = def.enableWhen.length ? def : [...def.ancestors].reverse().map((a) => index.items.get(a)).find((a) => a && a.enableWhen.length);
  const conds = own?.enableWhen ?? [];
  return conds.map((c) => `${c.question}: "${index.items.get(c.question)?.text[lang] ?? c.question}"`).join(lang === 'en' ? '; ' : '; ');
}

/** Answers that are each possible but impossible together (WellAge policy, stated per check). */
function crossChecks(view: ResponseView, index: QuestionnaireIndex, fail: (code: IntakeIssueCode, path: string, message: Text, item?: IndexedItem) => void): void {
  const root = view.root;
  const pathOf = (linkId: string): string => view.nodes.find((n) => n.linkId === linkId)?.path ?? linkId;
  const age = intOf(root, 'about.age');
  const years = intOf(root, 'social.smoking-years');
  if (age !== undefined && years !== undefined && years > age) {
    const def = itemOf(index, 'social.smoking-years');
    fail('INCONSISTENT_ANSWERS', pathOf(def.linkId), t(`"${def.text.en}": ${years} years of smoking is more than the age given (${age}).`, `"${def.text.es}": ${years} años fumando es más que la edad indicada (${age}).`), def);
  }
  const sys = intOf(root, 'cv.bp.systolic');
  const dia = intOf(root, 'cv.bp.diastolic');
  if (sys !== undefined && dia !== undefined && dia >= sys) {
    const def = itemOf(index, 'cv.bp.diastolic');
    fail('INCONSISTENT_ANSWERS', pathOf(def.linkId), t(`"${def.text.en}": the diastolic pressure (${dia}) must be lower than the systolic (${sys}).`, `"${def.text.es}": la presión diastólica (${dia}) debe ser menor que la sistólica (${sys}).`), def);
  }
  for (const episode of instancesOf(root, 'onc.episodes')) {
    for (const tx of instancesOf(episode, 'onc.episodes.treatment')) {
      const start = answersOf(tx, 'onc.episodes.treatment.start')[0]?.valueDate;
      const end = answersOf(tx, 'onc.episodes.treatment.end')[0]?.valueDate;
      if (start && end && end < start) {
        const def = itemOf(index, 'onc.episodes.treatment.end');
        const node = tx.nodes.get(def.linkId)?.[0];
        fail('INCONSISTENT_ANSWERS', node?.path ?? def.linkId, t(`"${def.text.en}": the treatment ends (${end}) before it starts (${start}).`, `"${def.text.es}": el tratamiento termina (${end}) antes de empezar (${start}).`), def);
      }
    }
  }
}

/** Required, enabled items without an answer, per repeating-group instance. */
function findMissing(view: ResponseView, index: QuestionnaireIndex, enableWhen: EnableWhenEvaluator): MissingItem[] {
  const missing: MissingItem[] = [];
  const walk = (linkIds: readonly string[], scope: Scope, instance: string | undefined): void => {
    for (const linkId of linkIds) {
      const def = index.items.get(linkId);
      if (!def || !enableWhen.isEnabled(linkId, scope)) continue;
      if (def.type === 'group') {
        if (def.repeats) {
          const list = instancesOf(scope, linkId);
          if (def.required && list.length === 0) missing.push({ linkId, text: def.text, ...(instance ? { instance } : {}) });
          list.forEach((inst, i) => walk(def.children, inst, `${linkId}[${i}]`));
        } else {
          walk(def.children, scope, instance);
        }
        continue;
      }
      if (def.required && (scope.nodes.get(linkId) ?? []).every((n) => n.answers.length === 0)) {
        missing.push({ linkId, text: def.text, ...(instance ? { instance } : {}) });
      }
    }
  };
  walk(index.roots, view.root, undefined);
  return missing;
}

/**
 * The service-side refusal for an invalid response: VALIDATION_FAILED naming the first
 * item's linkId, with every issue in `details.errors`.
 */
export function intakeValidationError(result: IntakeValidation, lang: Lang = 'en'): AppError {
  const first = result.errors[0];
  const message = first ? `${first.linkId ?? first.path}: ${first.message[lang]}` : 'The intake response is not valid';
  return new AppError('VALIDATION_FAILED', message, {
    field: first?.linkId ?? first?.path ?? 'QuestionnaireResponse',
    details: { errors: result.errors.map((e) => ({ code: e.code, linkId: e.linkId, path: e.path, message: e.message[lang] })) },
  });
}
