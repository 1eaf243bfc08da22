import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadVectors, runVector, type VectorFile } from './vector-runner.js'

// /work/main/packages/bipack/test → /work/shared (shared/ is a sibling of the repo root).
const SHARED = fileURLToPath(new URL('../../../../shared/vectors/bipack.json', import.meta.url))

let shared: VectorFile = { vectors: [] }
let sharedError: string | null = null
if (existsSync(SHARED)) shared = loadVectors(SHARED)
else sharedError = `shared vectors not found at ${SHARED}: check out shared/ next to the repo root`

describe('shared vectors (shared/vectors/bipack.json)', () => {
  it('the vector file exists and is not empty', () => {
    if (sharedError) throw new Error(sharedError)
    expect(shared.vectors.length).toBeGreaterThan(0)
  })

  shared.vectors.forEach((v, i) => {
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
