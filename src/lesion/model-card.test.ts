import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors.ts';
import { LESION_CLASSES, parseModelCard, sha256Hex, verifyModelBytes } from './model-card.ts';

const CARD = path.resolve(import.meta.dirname, '../../models/lesion/model-card.json');
const shipped = () => JSON.parse(fs.readFileSync(CARD, 'utf8')) as Record<string, any>;

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a refusal');
}

describe('model card schema', () => {
  it('accepts the shipped card, with the classes in the model output order', () => {
    const card = parseModelCard(shipped());
    expect(card.classes.map((c) => c.code)).toEqual([...LESION_CLASSES]);
    expect(card.classes.filter((c) => c.malignant).map((c) => c.code)).toEqual(['mel', 'bcc', 'akiec']);
  });

  it('states the non-commercial licence and the skin-type limit a user must see', () => {
    const card = parseModelCard(shipped());
    expect(card.training.data.map((d) => d.licence).join(' ')).toMatch(/NON-COMMERCIAL/);
    expect(card.intended_use.summary).toMatch(/second opinion/i);
    expect(card.limitations.join(' ')).toMatch(/Fitzpatrick V-VI/);
  });

  it('names the field when the classes are out of order', () => {
    const bad = shipped();
    bad.classes = [bad.classes[1], bad.classes[0], ...bad.classes.slice(2)];
    const e = refusal(() => parseModelCard(bad));
    expect(e.code).toBe('NOT_READY');
    expect(e.field).toBe('model-card.json#classes');
  });

  it('names the field when the temperature is missing or not positive', () => {
    const bad = shipped();
    bad.calibration.temperature = -1;
    expect(refusal(() => parseModelCard(bad)).field).toBe('model-card.json#calibration.temperature');
    delete bad.calibration.temperature;
    expect(refusal(() => parseModelCard(bad)).field).toBe('model-card.json#calibration.temperature');
  });

  it('refuses a refer threshold below the monitor threshold', () => {
    const bad = shipped();
    bad.operating_points[0].melanoma_threshold = 0.001;
    bad.operating_points[1].melanoma_threshold = 0.5;
    expect(refusal(() => parseModelCard(bad)).message).toMatch(/refer.*monitor/);
  });

  it('refuses a card without subgroup metrics', () => {
    const bad = shipped();
    bad.metrics.by_sex = {};
    expect(refusal(() => parseModelCard(bad)).field).toBe('model-card.json#metrics.by_sex');
  });
});

describe('verifyModelBytes', () => {
  const card = parseModelCard(shipped());
  const onnx = new Uint8Array(fs.readFileSync(path.join(path.dirname(CARD), card.model.file)));

  it('accepts the exact bytes', () => {
    expect(sha256Hex(onnx)).toBe(card.model.sha256);
    expect(() => verifyModelBytes(card, onnx)).not.toThrow();
  });

  it('refuses one flipped byte', () => {
    const tampered = Uint8Array.from(onnx);
    const at = tampered.length - 100;
    tampered[at] = tampered[at]! ^ 0xff;
    const e = refusal(() => verifyModelBytes(card, tampered));
    expect(e.code).toBe('NOT_READY');
    expect(e.field).toBe('model.sha256');
  });
});
