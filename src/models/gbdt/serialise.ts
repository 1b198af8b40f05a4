/** JSON (de)serialisation of a GbdtModel, with checks that name the file and the field on bad input. */
import { readFile } from 'node:fs/promises';
import { writeJsonAtomic } from '../../util/atomic.js';
import { fail } from '../../util/errors.js';
import type { GbdtModel } from './types.js';

export function gbdtToJson(model: GbdtModel): string {
  return JSON.stringify(model);
}

export function gbdtFromJson(text: string, where = 'model JSON'): GbdtModel {
  let m: Partial<GbdtModel>;
  try {
    m = JSON.parse(text) as Partial<GbdtModel>;
  } catch (err) {
    fail(where, `not valid JSON (${(err as Error).message})`);
  }
  if (m.format !== 'verde-gbdt') fail(where, 'field "format" must be "verde-gbdt"');
  if (m.formatVersion !== 1) fail(where, `field "formatVersion" ${String(m.formatVersion)} is not supported`);
  if (!Array.isArray(m.features) || !Array.isArray(m.trees) || typeof m.baseScore !== 'number') fail(where, 'fields "features", "trees" and "baseScore" are required');
  const nF = m.features.length;
  m.trees.forEach((t, i) => {
    if (!Array.isArray(t.leafValue) || t.leafValue.length !== t.feature.length + 1) fail(where, `tree ${i}: ${t.leafValue?.length} leaves for ${t.feature?.length} splits`);
    if (t.feature.some((f) => !(f >= 0 && f < nF))) fail(where, `tree ${i}: feature index out of range`);
  });
  return m as GbdtModel;
}

export async function saveGbdt(path: string, model: GbdtModel): Promise<void> {
  await writeJsonAtomic(path, model);
}

export async function loadGbdt(path: string): Promise<GbdtModel> {
  return gbdtFromJson(await readFile(path, 'utf8'), path);
}
