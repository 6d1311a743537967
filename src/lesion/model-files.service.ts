/**
 * Reads a model folder (models/<name>/model-card.json + the ONNX file it names) and refuses
 * it unless the card is schema-valid and the ONNX bytes match the card's sha256.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../platform/errors.ts';
import { parseModelCard, verifyModelBytes, type ModelCard } from './model-card.ts';

/** A verified model: its card and the exact ONNX bytes the card describes. */
export interface LoadedModel {
  dir: string;
  card: ModelCard;
  onnx: Uint8Array;
}

/** The card file name inside a model folder. */
export const CARD_FILE = 'model-card.json';

/** Load and verify one model folder. Throws AppError NOT_READY naming what is wrong. */
export async function loadModelFolder(dir: string): Promise<LoadedModel> {
  const cardPath = path.join(dir, CARD_FILE);
  let raw: string;
  try {
    raw = await fs.readFile(cardPath, 'utf8');
  } catch (e) {
    throw new AppError('NOT_READY', `no model card at ${cardPath}`, { field: CARD_FILE, cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new AppError('NOT_READY', `${cardPath} is not valid JSON`, { field: CARD_FILE, cause: e });
  }
  const card = parseModelCard(json, cardPath);
  let onnx: Uint8Array;
  try {
    onnx = new Uint8Array(await fs.readFile(path.join(dir, card.model.file)));
  } catch (e) {
    throw new AppError('NOT_READY', `the model file ${card.model.file} named by ${cardPath} cannot be read`, { field: 'model.file', cause: e });
  }
  verifyModelBytes(card, onnx);
  return { dir, card, onnx };
}

/** Every folder under `modelsRoot` that holds an .onnx file or a model card. */
export async function listModelFolders(modelsRoot: string): Promise<string[]> {
  const entries = await fs.readdir(modelsRoot, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) {
      continue;
    }
    const files = await fs.readdir(path.join(modelsRoot, e.name));
    if (files.some((f) => f.endsWith('.onnx') || f === CARD_FILE)) {
      out.push(path.join(modelsRoot, e.name));
    }
  }
  return out.sort();
}
