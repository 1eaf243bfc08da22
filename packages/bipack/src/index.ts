/**
 * `@kp/bipack`: the bipack binary format (as used by Kiloparsec and kotlinx.serialization's
 * bipack) with typed schemas.
 *
 * @example
 * import * as bp from '@kp/bipack'
 * const msg = bp.struct({ text: bp.string, number: bp.int })
 * const bytes = msg.encode({ text: 'hi', number: 42 })
 * msg.decode(bytes) // { text: 'hi', number: 42 }
 */
export { BipackError } from './errors.js'
export { BipackReader, MAX_DEPTH, MAX_EMPTY_ITEMS, SHARE_MIN } from './reader.js'
export { BipackWriter } from './writer.js'
export { smartintSize } from './smartint.js'
export {
  type AnySchema,
  type CustomDef,
  custom,
  decodeOwned,
  type Infer,
  type Schema,
  type Simplify,
} from './schema.js'
export {
  bigint,
  bool,
  bytes,
  date,
  f32,
  f64,
  fixedBytes,
  i8,
  i16,
  i32,
  i64,
  int,
  string,
  u8,
  u16,
  u32,
  u64,
  uint,
  unit,
} from './primitives.js'
export { absentTail, type Fields, type StructValue, struct, type TupleValue, tuple } from './struct.js'
export { list, map, optional, type OptionalField, optionalField } from './collections.js'
export { enumOf, type UnionValue, union, type Variants } from './choice.js'
export { lazy, transform } from './lazy.js'
