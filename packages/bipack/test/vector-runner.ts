// Runs bipack vector files: { vectors: [{ op, value, hex }] }. Each vector is checked both
// ways: encoding `value` gives exactly `hex`, and decoding `hex` gives `value` back.
import { readFileSync } from 'node:fs'
import { BipackReader, BipackWriter } from '@kp/bipack'
import { expect } from 'vitest'

export interface Vector {
  op: string
  value: string
  hex: string
}

export interface VectorFile {
  about?: string
  vectors: Vector[]
}

export function loadVectors(path: string): VectorFile {
  const file = JSON.parse(readFileSync(path, 'utf8')) as VectorFile
  if (!Array.isArray(file.vectors)) throw new Error(`${path}: no "vectors" array`)
  return file
}

export const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')

export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '')
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error(`bad hex "${hex}"`)
  const out = new Uint8Array(clean.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16)
  return out
}

interface OpDef {
  write(w: BipackWriter, value: string): void
  /** Reads and checks one value against the vector's text. */
  check(r: BipackReader, value: string): void
}

const num = (name: 'u8' | 'u16' | 'u32' | 'i8' | 'i16' | 'i32'): OpDef => ({
  write: (w, v) => {
    w[name](Number(v))
  },
  check: (r, v) => expect(r[name]()).toBe(Number(v)),
})

const big = (name: 'u64' | 'i64'): OpDef => ({
  write: (w, v) => {
    w[name](BigInt(v))
  },
  check: (r, v) => expect(r[name]()).toBe(BigInt(v)),
})

const parseBool = (v: string): boolean => {
  if (v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  throw new Error(`bad bool value "${v}"`)
}

/** Every op this runner knows. An unknown op fails the run. */
export const OPS: Record<string, OpDef> = {
  u8: num('u8'),
  u16: num('u16'),
  u32: num('u32'),
  u64: big('u64'),
  i8: num('i8'),
  i16: num('i16'),
  i32: num('i32'),
  i64: big('i64'),
  unsigned: {
    write: (w, v) => {
      w.unsigned(BigInt(v))
    },
    check: (r, v) => {
      const start = r.offset
      expect(r.unsignedBig()).toBe(BigInt(v))
      // The number path must agree wherever the value is a safe integer.
      if (BigInt(v) <= BigInt(Number.MAX_SAFE_INTEGER)) {
        const end = r.offset
        r.offset = start
        expect(r.unsigned()).toBe(Number(v))
        expect(r.offset).toBe(end)
      }
    },
  },
  signed: {
    write: (w, v) => {
      w.signed(BigInt(v))
    },
    check: (r, v) => {
      const start = r.offset
      expect(r.signedBig()).toBe(BigInt(v))
      const b = BigInt(v)
      if (b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= -BigInt(Number.MAX_SAFE_INTEGER)) {
        const end = r.offset
        r.offset = start
        expect(r.signed()).toBe(Number(v))
        expect(r.offset).toBe(end)
      }
    },
  },
  string: {
    write: (w, v) => {
      w.string(v)
    },
    check: (r, v) => expect(r.string()).toBe(v),
  },
  bytes: {
    write: (w, v) => {
      w.bytes(fromHex(v))
    },
    check: (r, v) => expect(toHex(r.bytes())).toBe(toHex(fromHex(v))),
  },
  f32: {
    write: (w, v) => {
      w.f32(Number(v))
    },
    check: (r, v) => expect(Object.is(r.f32(), Math.fround(Number(v)))).toBe(true),
  },
  f64: {
    write: (w, v) => {
      w.f64(Number(v))
    },
    check: (r, v) => expect(Object.is(r.f64(), Number(v))).toBe(true),
  },
  bool: {
    write: (w, v) => {
      w.bool(parseBool(v))
    },
    check: (r, v) => expect(r.bool()).toBe(parseBool(v)),
  },
}

function opDef(op: string): OpDef {
  const def = OPS[op]
  if (!def) throw new Error(`unknown vector op "${op}" (known: ${Object.keys(OPS).join(', ')}, sequence)`)
  return def
}

/** Splits a sequence value "u8 7, unsigned 64000" into [op, value] steps. */
export function parseSequence(value: string): [string, string][] {
  return value.split(',').map((part) => {
    const t = part.trim()
    const sp = t.indexOf(' ')
    if (sp < 0) throw new Error(`bad sequence step "${t}" in "${value}"`)
    return [t.slice(0, sp), t.slice(sp + 1)]
  })
}

/** Checks one vector both ways; throws (via expect) on any mismatch or unknown op. */
export function runVector(v: Vector): void {
  const steps: [string, string][] = v.op === 'sequence' ? parseSequence(v.value) : [[v.op, v.value]]
  const defs = steps.map(([op]) => opDef(op))
  const w = new BipackWriter(4)
  steps.forEach(([, value], i) => {
    defs[i]!.write(w, value)
  })
  expect(toHex(w.toBytes()), `encode ${v.op} ${JSON.stringify(v.value)}`).toBe(v.hex.toLowerCase())
  const r = new BipackReader(fromHex(v.hex))
  steps.forEach(([, value], i) => {
    defs[i]!.check(r, value)
  })
  r.expectEnd()
}
