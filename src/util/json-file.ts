import { readFile } from 'node:fs/promises';
import { fail } from './errors.js';

/** Read and parse a JSON file; an unreadable file or bad JSON is a one-line error naming the file. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    fail(path, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    fail(path, `not valid JSON (${(err as Error).message})`);
  }
}

/** Like readJsonFile, for files that must hold a JSON object (configs, manifests). */
export async function readJsonObject(path: string): Promise<Record<string, unknown>> {
  const v = await readJsonFile(path);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'expected a JSON object');
  return v as Record<string, unknown>;
}
