/**
 * UTF-8 in data files: any valid UTF-8 is text, whatever characters it holds (U+FFFD included:
 * scraped corpora carry it from earlier conversions); only invalid byte sequences are a problem,
 * and `--invalid-utf8` says what to do with the records that hold them:
 *   error   (default) a one-line error naming the file, line and byte;
 *   replace each invalid sequence becomes U+FFFD (WHATWG's "maximal subpart" rule, as browsers do);
 *   skip    the record is left out.
 * Records are DuckDB's to split (quoted newlines, JSON), so an invalid text file is copied with each
 * invalid sequence replaced by a marker, a Unicode noncharacter the file does not contain; the
 * reader then finds the marker in the cells of the affected records and counts them. A glob of
 * text files is read file by file when one of them is invalid. Parquet strings are read as binary
 * (parquet-binary-copy.ts) and each value decoded here (decodeUtf8Value).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { fail, UserError } from '../../util/errors.js';
import { choiceFlag } from '../../util/flags.js';

export type InvalidUtf8Mode = 'error' | 'replace' | 'skip';
export const INVALID_UTF8_MODES: readonly InvalidUtf8Mode[] = ['error', 'replace', 'skip'];

/** The `--invalid-utf8` option as commander parses it. */
export const invalidUtf8Flag: (v: string) => InvalidUtf8Mode = choiceFlag('--invalid-utf8', INVALID_UTF8_MODES);

/** The option's help line, the same for every command that reads text data. */
export const INVALID_UTF8_HELP = 'records with invalid UTF-8 bytes (CSV, TSV, JSON Lines, Parquet strings; globs too): error (default; names the line or row and byte), replace (bytes become U+FFFD) or skip (left out); counts are reported';

/** How many records `--invalid-utf8 replace|skip` changed. */
export interface InvalidUtf8Counts {
  replaced: number;
  skipped: number;
}

/** One line for the user about `counts`, or '' when nothing was changed. */
export function invalidUtf8Note(file: string, counts: InvalidUtf8Counts): string {
  if (counts.replaced) return `${file}: ${counts.replaced} record${counts.replaced === 1 ? '' : 's'} with invalid UTF-8: invalid bytes replaced by U+FFFD (--invalid-utf8 replace)`;
  if (counts.skipped) return `${file}: ${counts.skipped} record${counts.skipped === 1 ? '' : 's'} with invalid UTF-8 skipped (--invalid-utf8 skip)`;
  return '';
}

function open(file: string): Readable {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  return /\.gz$/i.test(file) ? raw.pipe(createGunzip()) : raw;
}

/**
 * A UTF-8 decoder's state machine over bytes (the WHATWG algorithm): calls `valid(start, end)` for
 * runs of valid bytes and `invalid(offset)` once per maximal invalid subsequence. Sequences may
 * span chunks; `end()` flushes a sequence cut off by the end of the input.
 */
export class Utf8Scanner {
  private needed = 0;
  private seen = 0;
  private lower = 0x80;
  private upper = 0xbf;
  /** Bytes of the sequence in progress (it may have begun in an earlier chunk). */
  private pending: number[] = [];
  /** Absolute offset of the next byte. */
  offset = 0;
  /** Line (1-based) of the next byte. */
  line = 1;

  constructor(private readonly out: { bytes(b: Uint8Array): void; invalid(offset: number, line: number): void }) {}

  feed(chunk: Uint8Array): void {
    let runStart = 0; // start of the current run of complete, valid bytes in `chunk`
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.needed === 0) {
        if (b < 0x80) {
          if (b === 0x0a) this.line++;
          continue;
        }
        if (i > runStart) this.out.bytes(chunk.subarray(runStart, i));
        runStart = i + 1;
        if (b >= 0xc2 && b <= 0xdf) this.needed = 1;
        else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) this.lower = 0xa0;
          if (b === 0xed) this.upper = 0x9f;
          this.needed = 2;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) this.lower = 0x90;
          if (b === 0xf4) this.upper = 0x8f;
          this.needed = 3;
        } else {
          this.out.invalid(this.offset + i, this.line);
          continue;
        }
        this.pending = [b];
        continue;
      }
      if (b < this.lower || b > this.upper) {
        // the sequence so far is one invalid subsequence; `b` starts afresh
        this.reset();
        this.out.invalid(this.offset + i - this.pendingLength(), this.line);
        this.pending = [];
        runStart = i;
        i--;
        continue;
      }
      this.lower = 0x80;
      this.upper = 0xbf;
      this.pending.push(b);
      if (++this.seen === this.needed) {
        this.out.bytes(Uint8Array.from(this.pending));
        this.reset();
        this.pending = [];
        runStart = i + 1;
      }
    }
    if (this.needed === 0 && chunk.length > runStart) this.out.bytes(chunk.subarray(runStart));
    this.offset += chunk.length;
  }

  end(): void {
    if (this.needed !== 0) {
      this.out.invalid(this.offset - this.pendingLength(), this.line);
      this.reset();
      this.pending = [];
    }
  }

  private pendingLength(): number {
    return this.pending.length;
  }

  private reset(): void {
    this.needed = 0;
    this.seen = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
  }
}

/**
 * Decode one value's bytes (a Parquet string read as binary): its text, each invalid sequence
 * replaced by U+FFFD by the scanner above, and the offset of the first invalid byte (null: valid).
 */
export function decodeUtf8Value(bytes: Uint8Array): { text: string; invalidAt: number | null } {
  try {
    return { text: fatalDecoder.decode(bytes), invalidAt: null }; // the native decoder: fast on valid bytes
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
  }
  let invalidAt: number | null = null;
  const parts: Uint8Array[] = [];
  const scanner = new Utf8Scanner({ bytes: (b) => parts.push(Uint8Array.from(b)), invalid: (offset) => { invalidAt ??= offset; parts.push(REPLACEMENT); } });
  scanner.feed(bytes);
  scanner.end();
  return { text: Buffer.concat(parts).toString('utf8'), invalidAt };
}

const fatalDecoder = new TextDecoder('utf-8', { fatal: true });
const REPLACEMENT = Buffer.from('\uFFFD', 'utf8');

/**
 * Scan `file` (gzip: its decompressed bytes): whether it is blank (nothing but white space) and
 * where its first invalid UTF-8 sequence is (null: all valid).
 */
export async function scanTextFile(file: string): Promise<{ blank: boolean; invalid: { offset: number; line: number } | null }> {
  // Fast path: the native decoder validates; only an invalid file is scanned again in JS for the place.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let blank = true;
  let valid = true;
  try {
    for await (const chunk of open(file)) {
      const text = decoder.decode(chunk as Buffer, { stream: true });
      if (blank && /\S/.test(text)) blank = false;
    }
    decoder.decode();
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    valid = false;
    blank = false;
  }
  if (valid) return { blank, invalid: null };
  let found: { offset: number; line: number } | null = null;
  const scanner = new Utf8Scanner({ bytes: () => undefined, invalid: (offset, line) => (found ??= { offset, line }) });
  for await (const chunk of open(file)) {
    scanner.feed(chunk as Buffer);
    if (found) break;
  }
  scanner.end();
  return { blank, invalid: found };
}

/** Unicode noncharacters U+FDD0..U+FDEF: valid UTF-8 that text rarely holds; one the file lacks marks the invalid sequences. */
const MARKERS = Array.from({ length: 32 }, (_, k) => String.fromCodePoint(0xfdd0 + k));

/**
 * Copy `file` (decompressed) to `dest` with each invalid UTF-8 sequence replaced by a marker
 * character that does not otherwise occur in the file; returns the marker.
 */
export async function copyMarkingInvalidUtf8(file: string, dest: string): Promise<string> {
  for (const marker of MARKERS) {
    const markerBytes = Buffer.from(marker, 'utf8');
    let clash = false;
    let parts: Uint8Array[] = [];
    // Multi-byte characters reach `bytes` one whole character at a time, so a marker in the file is one call.
    const scanner = new Utf8Scanner({
      bytes: (b) => {
        if (b.length === markerBytes.length && markerBytes.equals(b)) clash = true;
        parts.push(b);
      },
      invalid: () => parts.push(markerBytes),
    });
    const out = createWriteStream(dest);
    const flush = async () => {
      if (parts.length && !out.write(Buffer.concat(parts))) await once(out, 'drain');
      parts = [];
    };
    try {
      for await (const chunk of open(file)) {
        scanner.feed(chunk as Buffer);
        if (clash) break;
        await flush();
      }
      scanner.end();
      await flush();
    } finally {
      out.end();
      await once(out, 'close');
    }
    if (!clash) return marker;
  }
  fail(file, 'holds every Unicode noncharacter U+FDD0..U+FDEF; --invalid-utf8 replace|skip cannot mark its invalid bytes');
}
