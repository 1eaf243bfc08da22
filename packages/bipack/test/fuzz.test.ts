// Random and mutated input never escapes as anything but BipackError.
import * as bp from '@kp/bipack'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CASES, schemaAndValue } from './arbitraries.js'

function decodeOrBipackError(schema: bp.AnySchema, bytes: Uint8Array): void {
  try {
    schema.decode(bytes)
  } catch (e) {
    if (!bp.BipackError.isInstance(e)) throw new Error(`non-BipackError from ${schema.kind}: ${e}`, { cause: e })
    expect((e as bp.BipackError).code).toBe('kp.Bipack')
    expect((e as bp.BipackError).offset).toBeGreaterThanOrEqual(0)
    expect((e as bp.BipackError).offset).toBeLessThanOrEqual(bytes.length)
  }
}

describe('random bytes → decode returns a value or throws BipackError', () => {
  for (const c of CASES) {
    it(c.name, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 48 }), (b) => decodeOrBipackError(c.schema, b)),
        { numRuns: 3000 },
      )
    })
  }

  it('random nested schemas', () => {
    fc.assert(
      fc.property(schemaAndValue, fc.uint8Array({ maxLength: 64 }), ({ schema }, b) => decodeOrBipackError(schema, b)),
      { numRuns: 3000 },
    )
  })

  it('mutated valid encodings of random nested schemas', () => {
    fc.assert(
      fc.property(
        schemaAndValue,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        ({ schema, value }, edits) => {
          const b = schema.encode(value)
          if (b.length === 0) return
          for (const [at, byte] of edits) b[at % b.length] = byte
          decodeOrBipackError(schema, b)
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('a custom schema that throws something else is wrapped into BipackError', () => {
    const bad = bp.custom<number>({
      write: (w, v) => {
        w.u8(v)
      },
      read: () => {
        throw new TypeError('boom')
      },
    })
    const e = (() => {
      try {
        bad.decode(new Uint8Array([1]))
      } catch (err) {
        return err
      }
    })()
    expect(bp.BipackError.isInstance(e)).toBe(true)
    expect((e as Error).cause).toBeInstanceOf(TypeError)
  })
})
