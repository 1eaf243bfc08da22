// Composite schemas (struct, tuple, list, map) call their children's read/write through a
// switch on a small integer when the child is a common primitive. The direct call to a
// BipackReader/BipackWriter method is monomorphic and inlinable, where `schema.read(r)` across
// many schema classes is a megamorphic call; this was worth ~25% on struct decoding.
import { bool, f64, int, string, u8, u16, u32, uint } from './primitives.js'
import type { BipackReader } from './reader.js'
import type { AnySchema } from './schema.js'
import type { BipackWriter } from './writer.js'

/** Fast-path codes. */
export const OP = {
  GENERIC: 0,
  STRING: 1,
  INT: 2,
  UINT: 3,
  BOOL: 4,
  U8: 5,
  U16: 6,
  U32: 7,
  F64: 8,
  /** An `optionalField`: read and written by the schema; a struct leaves the key out when absent. */
  OPTIONAL_FIELD: 9,
} as const
const { GENERIC, STRING, INT, UINT, BOOL, U8, U16, U32, F64, OPTIONAL_FIELD } = OP

/** Fast-path code of a schema (0 = call its own read/write). */
export function opOf(s: AnySchema): number {
  if (s === string) return STRING
  if (s === int) return INT
  if (s === uint) return UINT
  if (s === bool) return BOOL
  if (s === u8) return U8
  if (s === u16) return U16
  if (s === u32) return U32
  if (s === f64) return F64
  if (s.kind === 'optionalField') return OPTIONAL_FIELD
  return GENERIC
}

/** Reads one value of `s`, taking the fast path for `op`. */
export function readOp(r: BipackReader, op: number, s: AnySchema): unknown {
  switch (op) {
    case STRING:
      return r.string()
    case INT:
      return r.signed()
    case UINT:
      return r.unsigned()
    case BOOL:
      return r.bool()
    case U8:
      return r.u8()
    case U16:
      return r.u16()
    case U32:
      return r.u32()
    case F64:
      return r.f64()
    default:
      return s.read(r)
  }
}

/** Writes one value of `s`, taking the fast path for `op` (same checks as the schema). */
export function writeOp(w: BipackWriter, op: number, s: AnySchema, v: any): void {
  switch (op) {
    case STRING:
      w.string(v)
      return
    case BOOL:
      w.bool(v)
      return
    case U8:
      w.u8(v)
      return
    case U16:
      w.u16(v)
      return
    case U32:
      w.u32(v)
      return
    case F64:
      w.f64(v)
      return
    default:
      // int and uint validate the safe-integer range before writing: keep their own write.
      s.write(w, v)
  }
}
