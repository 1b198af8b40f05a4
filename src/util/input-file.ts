import { stat } from 'node:fs/promises';
import { fail } from './errors.js';

/**
 * The size in bytes of a data file the user named, checked before anything is read: a missing file
 * and an empty one are one-line errors naming it, worded the same for every reader.
 */
export async function inputFileSize(file: string): Promise<number> {
  let bytes: number;
  try {
    bytes = (await stat(file)).size;
  } catch {
    fail(file, 'file not found');
  }
  if (bytes === 0) fail(file, 'the file is empty');
  return bytes;
}
