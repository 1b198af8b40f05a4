/**
 * A copy of a Parquet file whose string columns DuckDB reads as BLOB, so that verde (not DuckDB)
 * decides what an invalid UTF-8 string means (`--invalid-utf8`, utf8.ts).
 *
 * Why a copy: DuckDB checks every Parquet string it reads as VARCHAR and stops at the first invalid
 * one ("Invalid string encoding found in Parquet file"), with no option to read it otherwise; a
 * column without a string annotation it reads as BLOB, unchecked. A column is a string column
 * through its schema element in the footer (Thrift compact protocol): `converted_type = UTF8`
 * and/or `logicalType = STRING`. The copy differs from the file in exactly those bytes, patched in
 * place to the same length: each annotation's wire type is changed to one whose value has the same
 * encoding (i32 -> i16 for converted_type; the empty StringType struct -> one byte), and Thrift
 * readers skip a field whose wire type is not the declared one. Data pages, offsets and the footer's
 * length are untouched, so the copy is a valid Parquet file with the same rows.
 */
import { copyFile, open } from 'node:fs/promises';
import { constants } from 'node:fs';
import { fail } from '../../util/errors.js';

// Thrift compact protocol wire types.
const T_BOOL_TRUE = 1;
const T_BOOL_FALSE = 2;
const T_BYTE = 3;
const T_I16 = 4;
const T_I32 = 5;
const T_I64 = 6;
const T_DOUBLE = 7;
const T_BINARY = 8;
const T_LIST = 9;
const T_SET = 10;
const T_MAP = 11;
const T_STRUCT = 12;

/** Parquet's ConvertedType.UTF8 and the LogicalType union's STRING member. */
const CONVERTED_UTF8 = 0;
const LOGICAL_STRING = 1;

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  /** Move on `n` bytes, never past the end (a list of a billion bools in a corrupt footer ends here, not in a loop). */
  advance(n: number): void {
    if (this.pos + n > this.buf.length) throw new RangeError('footer ends early');
    this.pos += n;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError('footer ends early');
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if (!(b & 0x80)) return result;
      mul *= 128;
    }
    throw new RangeError('varint too long');
  }

  zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  skip(type: number): void {
    switch (type) {
      case T_BOOL_TRUE:
      case T_BOOL_FALSE:
        return; // a struct field's bool lives in its header
      case T_BYTE:
        this.advance(1);
        return;
      case T_I16:
      case T_I32:
      case T_I64:
        this.varint();
        return;
      case T_DOUBLE:
        this.advance(8);
        return;
      case T_BINARY: {
        this.advance(this.varint());
        return;
      }
      case T_LIST:
      case T_SET: {
        const h = this.byte();
        const n = (h >> 4) === 15 ? this.varint() : h >> 4;
        for (let i = 0; i < n; i++) this.skipElement(h & 0x0f);
        return;
      }
      case T_MAP: {
        const n = this.varint();
        if (n === 0) return;
        const kv = this.byte();
        for (let i = 0; i < n; i++) {
          this.skipElement(kv >> 4);
          this.skipElement(kv & 0x0f);
        }
        return;
      }
      case T_STRUCT:
        this.struct(() => false);
        return;
      default:
        throw new RangeError(`unknown Thrift type ${type}`);
    }
  }

  /** A list element: bools take a byte of their own there. */
  private skipElement(type: number): void {
    if (type === T_BOOL_TRUE || type === T_BOOL_FALSE) this.advance(1);
    else this.skip(type);
  }

  /**
   * Walk a struct's fields; `field(id, type, headerPos)` reads a field itself and returns true,
   * or returns false to have it skipped.
   */
  struct(field: (id: number, type: number, headerPos: number) => boolean): void {
    let last = 0;
    for (;;) {
      const headerPos = this.pos;
      const h = this.byte();
      if (h === 0) return;
      const type = h & 0x0f;
      const id = h >> 4 ? last + (h >> 4) : this.zigzag();
      last = id;
      if (!field(id, type, headerPos)) this.skip(type);
    }
  }
}

/**
 * Find, in a Parquet footer, the header bytes to patch for every string column; patches `footer`
 * in place and returns the names of the top-level columns it changed (verde reads top-level
 * columns only; strings nested in lists or structs are left to DuckDB's own check).
 */
export function patchStringAnnotations(footer: Uint8Array): Set<string> {
  const r = new Reader(footer);
  const names = new Set<string>();
  r.struct((id, type) => {
    if (id !== 2 || type !== T_LIST) return false; // FileMetaData.schema
    const h = r.byte();
    const n = (h >> 4) === 15 ? r.varint() : h >> 4;
    // Elements in depth-first order: the root, then each child (num_children > 0: a group).
    const remaining: number[] = [];
    for (let i = 0; i < n; i++) {
      const depth = remaining.length;
      let name = '';
      let children = 0;
      const patches: number[] = [];
      r.struct((fid, ftype, headerPos) => {
        if (fid === 4 && ftype === T_BINARY) {
          const len = r.varint();
          const start = r.pos;
          r.advance(len);
          name = Buffer.from(footer.subarray(start, r.pos)).toString('utf8');
          return true;
        }
        if (fid === 5 && ftype === T_I32) {
          children = r.zigzag();
          return true;
        }
        if (fid === 6 && ftype === T_I32) {
          if (r.zigzag() === CONVERTED_UTF8) patches.push(headerPos, T_I16);
          return true;
        }
        if (fid === 10 && ftype === T_STRUCT) {
          r.struct((lid, ltype, lpos) => {
            if (lid !== LOGICAL_STRING || ltype !== T_STRUCT) return false;
            if (footer[r.pos] !== 0) return false; // StringType is empty: its stop byte only
            patches.push(lpos, T_BYTE);
            r.advance(1);
            return true;
          });
          return true;
        }
        return false;
      });
      if (depth === 1 && patches.length && children === 0) {
        for (let k = 0; k < patches.length; k += 2) footer[patches[k]!] = (footer[patches[k]!]! & 0xf0) | patches[k + 1]!;
        names.add(name);
      }
      // Track the tree: a group pushes its child count; a leaf uses up one slot of its parents.
      if (i === 0 || children > 0) remaining.push(children);
      else {
        while (remaining.length) {
          remaining[remaining.length - 1]!--;
          if (remaining[remaining.length - 1]! > 0) break;
          remaining.pop();
        }
      }
    }
    return true;
  });
  return names;
}

/**
 * Copy the Parquet file `file` to `dest` with its string columns declared as binary (see above);
 * returns the top-level columns changed. A file that is not a Parquet file is a one-line error.
 */
export async function copyParquetStringsAsBinary(file: string, dest: string): Promise<Set<string>> {
  await copyFile(file, dest, constants.COPYFILE_FICLONE);
  const fh = await open(dest, 'r+');
  try {
    const { size } = await fh.stat();
    const tail = Buffer.alloc(8);
    if (size < 12) fail(file, 'not a Parquet file (too short)');
    await fh.read(tail, 0, 8, size - 8);
    if (tail.toString('latin1', 4) !== 'PAR1') fail(file, 'not a Parquet file (no PAR1 trailer; an encrypted footer cannot be read as binary)');
    const len = tail.readUInt32LE(0);
    if (len > size - 12) fail(file, 'not a Parquet file (footer length beyond the file)');
    const footer = Buffer.alloc(len);
    await fh.read(footer, 0, len, size - 8 - len);
    let names: Set<string>;
    try {
      names = patchStringAnnotations(footer);
    } catch (err) {
      fail(file, `not a readable Parquet footer (${(err as Error).message})`);
    }
    await fh.write(footer, 0, len, size - 8 - len);
    return names;
  } finally {
    await fh.close();
  }
}
