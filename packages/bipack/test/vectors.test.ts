import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadVectors, runVector } from './vector-runner.js'

// Reference encodings of the bipack format, kept in the repository (test/vectors/bipack.json).
// The TCP transport's frame-header test reads the same file.
const VECTORS = fileURLToPath(new URL('./vectors/bipack.json', import.meta.url))
const file = loadVectors(VECTORS)

describe('reference vectors (test/vectors/bipack.json)', () => {
  it('the vector file is not empty', () => {
    expect(file.vectors.length).toBeGreaterThan(0)
  })

  file.vectors.forEach((v, i) => {
    it(`#${i} ${v.op} ${JSON.stringify(v.value)} ⇄ ${v.hex}`, () => runVector(v))
  })
})

const extra = process.env.KP_BIPACK_VECTORS
describe.runIf(!!extra)('extra vectors from $KP_BIPACK_VECTORS', () => {
  it('runs every vector in the file', () => {
    const file = loadVectors(extra!)
    let ran = 0
    for (const v of file.vectors) {
      try {
        runVector(v)
      } catch (e) {
        throw new Error(`vector #${ran} ${JSON.stringify(v)}: ${(e as Error).message}`, { cause: e })
      }
      ran++
    }
    console.log(`KP_BIPACK_VECTORS: ran ${ran} vectors from ${extra}`)
    expect(ran).toBe(file.vectors.length)
  })
})
