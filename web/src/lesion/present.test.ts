import { describe, expect, it } from 'vitest';
import { LESION_CLASSES, LESION_ACTIONS } from '../../../src/lesion/model-card.ts';
import { REJECTION_REASONS, type Uncertainty } from '../../../src/lesion/types.ts';
import { GATE_CHECK, HAIR_CHECK } from '../../../src/lesion/content-gate.ts';
import { CHECK_REASONS } from '../../../src/lesion/quality.ts';
import { noteText, PICTURE_NOTE_KINDS } from '../../../src/lesion/notes.ts';
import { en } from '../i18n/en.ts';
import { es } from '../i18n/es.ts';
import {
  LESION_ACTION_CODES,
  LESION_CLASS_CODES,
  adoptionState,
  calibrationSourceText,
  checkText,
  aucWithCi,
  diameterText,
  formatCi,
  formatProbability,
  formatProbabilityChange,
  formatRate,
  noteSentence,
  parsePixelsPerMm,
  parseThresholdPercent,
  probabilityBars,
  rateWithCi,
  retakeKey,
  seesAi,
  uncertaintyText,
} from './present.ts';

/** A stand-in for i18next's t that shows the key and its parameters, so tests see both. */
const t = (key: string, params?: Record<string, unknown>) => (params ? `${key} ${JSON.stringify(params)}` : key);

describe('the class and action lists', () => {
  it('are the server’s, in the model’s order', () => {
    expect([...LESION_CLASS_CODES]).toEqual([...LESION_CLASSES]);
    expect([...LESION_ACTION_CODES]).toEqual([...LESION_ACTIONS]);
  });
});

describe('probabilities in the locale', () => {
  it('keeps a decimal below 10 % and none above, with the locale’s sign and separator', () => {
    expect(formatProbability(0.395392, 'en')).toBe('40%');
    expect(formatProbability(0.0664, 'en')).toBe('6.6%');
    expect(formatProbability(0.0664, 'es')).toBe('6,6\u00a0%');
    expect(formatProbability(1, 'en')).toBe('100%');
    expect(formatProbability(0, 'en')).toBe('0.0%');
  });

  it('says "< 0.1%" for tiny values instead of a misleading zero, and a dash for nonsense', () => {
    expect(formatProbability(1.6e-5, 'en')).toBe('< 0.1%');
    expect(formatProbability(Number.NaN, 'en')).toBe('—');
  });

  it('writes rates and their intervals with one decimal', () => {
    expect(formatRate(0.9237, 'en')).toBe('92.4%');
    expect(formatRate(null, 'en')).toBe('—');
    expect(formatCi([0.8827, 0.9512], 'en')).toBe('88.3–95.1%');
    expect(formatCi([0.8827, 0.9512], 'es')).toBe('88,3–95,1\u00a0%');
    expect(formatCi(null, 'en')).toBeNull();
    expect(rateWithCi(0.9237, [0.8827, 0.9512], 'en', t)).toBe('92.4% (lesion.ci {"interval":"88.3–95.1%"})');
    expect(rateWithCi(0.5, null, 'en', t)).toBe('50.0%');
  });

  it('writes an AUC with three decimals and its bootstrap interval', () => {
    expect(aucWithCi({ value: 0.8458, ci95: [0.8118, 0.8738] }, 'en', t)).toBe('0.846 (lesion.ci {"interval":"0.812–0.874"})');
    expect(aucWithCi(null, 'en', t)).toBe('—');
  });

  it('writes a change of probability in signed percentage points', () => {
    expect(formatProbabilityChange(0.125, 'en')).toBe('+12.5 pp');
    expect(formatProbabilityChange(-0.004, 'en')).toBe('-0.4 pp');
  });
});

describe('the probability bars', () => {
  it('shows all seven classes, most probable first, malignant ones marked', () => {
    const bars = probabilityBars({ mel: 0.395392, nv: 0.276735, bcc: 1.6e-5, akiec: 0.00014, bkl: 0.327719, df: 0, vasc: 0 });
    expect(bars.map((b) => b.code)).toEqual(['mel', 'bkl', 'nv', 'akiec', 'bcc', 'df', 'vasc']);
    expect(bars[0]).toEqual({ code: 'mel', value: 0.395392, percent: 39.5, malignant: true });
    expect(bars.find((b) => b.code === 'nv')!.malignant).toBe(false);
  });

  it('counts a missing or broken class as zero and clamps out-of-range values', () => {
    const bars = probabilityBars({ mel: 1.2, nv: Number.NaN });
    expect(bars).toHaveLength(7);
    expect(bars[0]).toMatchObject({ code: 'mel', value: 1, percent: 100 });
    expect(bars.find((b) => b.code === 'nv')!.value).toBe(0);
  });
});

describe('uncertainty in words', () => {
  const u: Uncertainty = { views: 8, melanomaSd: 0.06, melanomaRange: [0.08, 0.31], entropy: 1.1, level: 'high', crossesOperatingPoint: true };

  it('names the level, the range across views, and warns when the views disagree on the action', () => {
    expect(uncertaintyText(u, 'en', t)).toEqual([
      'lesion.uncertainty.level.high',
      'lesion.uncertainty.range {"views":8,"low":"8.0%","high":"31%"}',
      'lesion.uncertainty.crosses',
    ]);
  });

  it('says when only one view was scored and leaves out the warning when the views agree', () => {
    expect(uncertaintyText({ ...u, views: 1, level: 'low', crossesOperatingPoint: false }, 'en', t)).toEqual(['lesion.uncertainty.level.low', 'lesion.uncertainty.single']);
  });
});

describe('features and input', () => {
  it('gives the diameter in mm only when the scale is known', () => {
    expect(diameterText({ diameterPx: 124.4, diameterMm: 6.22 }, 'en')).toBe('6.2 mm (124 px)');
    expect(diameterText({ diameterPx: 1240, diameterMm: null }, 'en')).toBe('1,240 px');
  });

  it('reads pixels per mm with a point or a comma, and refuses nonsense', () => {
    expect(parsePixelsPerMm('')).toEqual({ ok: true, value: undefined });
    expect(parsePixelsPerMm(' 42,5 ')).toEqual({ ok: true, value: 42.5 });
    for (const bad of ['abc', '-3', '0', '0.5', '5000', '1e3']) expect(parsePixelsPerMm(bad), bad).toEqual({ ok: false });
  });

  it('reads a threshold typed as a percent', () => {
    expect(parseThresholdPercent('10.5')).toBeCloseTo(0.105);
    expect(parseThresholdPercent('10,5 %')).toBeCloseTo(0.105);
    for (const bad of ['', '0', '100', 'x', '-4']) expect(parseThresholdPercent(bad), bad).toBeUndefined();
  });
});

describe('who sees what', () => {
  it('shows AI output to clinicians and admins only', () => {
    expect(seesAi('clinician')).toBe(true);
    expect(seesAi('admin')).toBe(true);
    expect(seesAi('nurse')).toBe(false);
    expect(seesAi(undefined)).toBe(false);
  });

  it('allows adopting a clinic operating point only from the minimum of confirmed cases', () => {
    expect(adoptionState(29, 30)).toEqual({ allowed: false, missing: 1 });
    expect(adoptionState(30, 30)).toEqual({ allowed: true });
  });
});

describe('the calibration in force', () => {
  it('names the model card or the clinic version in words', () => {
    expect(calibrationSourceText('model-card', t)).toBe('lesion.calibrationSource.card');
    expect(calibrationSourceText('clinic v12', t)).toBe('lesion.calibrationSource.clinic {"version":12}');
    expect(calibrationSourceText('something new', t)).toBe('something new');
  });
});

describe('failed quality measurements in the user’s language', () => {
  /** A t over the real resources, with i18next's {{name}} interpolation. */
  const translator = (messages: Record<string, unknown>) => {
    const lookup = (key: string): unknown => key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], messages);
    const has = (key: string) => typeof lookup(key) === 'string';
    const tr = (key: string, params?: Record<string, unknown>) =>
      String(lookup(key) ?? key).replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(params?.[k] ?? ''));
    return { tr, has };
  };

  it('says the measure, the value and the limit in English and in Spanish', () => {
    const sharp = { name: 'sharpness', value: 12, limit: 40, kind: 'min' as const };
    const en_ = translator(en);
    const es_ = translator(es);
    expect(checkText(sharp, en_.tr, en_.has, 'en')).toBe('sharpness 12 (needs at least 40)');
    expect(checkText(sharp, es_.tr, es_.has, 'es')).toBe('nitidez 12 (necesita al menos 40)');
    const clipped = { name: 'highlight-clipping', value: 0.213, limit: 0.08, kind: 'max' as const };
    expect(checkText(clipped, es_.tr, es_.has, 'es')).toBe('proporción de brillos quemados 0,213 (como máximo 0,08)');
  });

  it('keeps the server’s name for a measure it does not know', () => {
    const en_ = translator(en);
    expect(checkText({ name: 'new-measure', value: 3, limit: 5, kind: 'min' }, en_.tr, en_.has, 'en')).toBe('new measure 3 (needs at least 5)');
  });

  it('has English and Spanish guidance for every reason an image can be refused', () => {
    for (const reason of REJECTION_REASONS) {
      expect(translator(en).has(retakeKey(reason)), `en: ${reason}`).toBe(true);
      expect(translator(es).has(retakeKey(reason)), `es: ${reason}`).toBe(true);
    }
  });

  it('says every note about the picture in English and Spanish, numbers in the reader\'s format', () => {
    const en_ = translator(en);
    const es_ = translator(es);
    for (const kind of PICTURE_NOTE_KINDS) {
      expect(en_.has(`lesion.notes.${kind}`), `en: ${kind}`).toBe(true);
      expect(es_.has(`lesion.notes.${kind}`), `es: ${kind}`).toBe(true);
    }
    const fov = noteText({ kind: 'field-of-view', width: 1412, height: 1410, ofWidth: 4032, ofHeight: 3024 });
    expect(noteSentence(fov, es_.tr, 'es')).toBe('Recortada al campo redondo del dermatoscopio (1412×1410 de 4032×3024 píxeles): se dejó fuera el marco negro.');
    expect(noteSentence(fov, en_.tr, 'en')).toBe('Cropped to the dermatoscope’s round field (1,412×1,410 of 4,032×3,024 pixels): the black frame around it was left out.');
    expect(noteSentence(noteText({ kind: 'alpha-flattened', transparent: '0.6 %' }), es_.tr, 'es')).toBe('El borde transparente (0,6 % de la imagen) se rellenó de negro.');
    expect(noteSentence(noteText({ kind: 'reduced-bit-depth', bits: 'high' }), es_.tr, 'es')).toBe('Reducida de más de 8 a 8 bits por canal.');
    expect(noteSentence('a note from a newer server', es_.tr, 'es')).toBe('a note from a newer server');
  });

  it('has an English and a Spanish name for every measure the server reports', () => {
    for (const name of [...Object.keys(CHECK_REASONS), GATE_CHECK, HAIR_CHECK]) {
      expect(translator(en).has(`lesion.reject.checks.${name}`), `en: ${name}`).toBe(true);
      expect(translator(es).has(`lesion.reject.checks.${name}`), `es: ${name}`).toBe(true);
    }
  });
});
