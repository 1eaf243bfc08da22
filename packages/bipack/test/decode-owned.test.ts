import { describe, expect, it } from 'vitest'
import { bytes, decodeOwned, list, SHARE_MIN, string, struct } from '../src/index.js'

const msg = struct({ name: string, blob: bytes, parts: list(bytes) })

describe('decodeOwned', () => {
  it('hands out a large bytes field as a view of the input, and decodes like decode()', () => {
    const big = new Uint8Array(64 * 1024).map((_, i) => i & 255)
    const input = msg.encode({ name: 'x', blob: big, parts: [new Uint8Array([1, 2])] })
    const owned = decodeOwned(msg, input)
    expect(owned).toEqual(msg.decode(input))
    expect(owned.blob.buffer).toBe(input.buffer) // a view, no copy
    expect(owned.parts[0]!.buffer).not.toBe(input.buffer) // small: a copy (does not keep the input alive)
  })

  it('copies a field smaller than SHARE_MIN or smaller than half of the ArrayBuffer', () => {
    const small = msg.encode({ name: 'y', blob: new Uint8Array(SHARE_MIN - 1), parts: [] })
    expect(decodeOwned(msg, small).blob.buffer).not.toBe(small.buffer)
    // a 2 KiB field inside a 64 KiB buffer would keep 32x its size alive: copied
    const inside = new Uint8Array(64 * 1024)
    const enc = msg.encode({ name: 'z', blob: new Uint8Array(2048).fill(7), parts: [] })
    inside.set(enc, 100)
    const view = inside.subarray(100, 100 + enc.length)
    const d = decodeOwned(msg, view)
    expect(d.blob.buffer).not.toBe(inside.buffer)
    expect(d.blob).toEqual(new Uint8Array(2048).fill(7))
  })

  it('decode() never shares', () => {
    const input = msg.encode({ name: 'x', blob: new Uint8Array(8192), parts: [] })
    expect(msg.decode(input).blob.buffer).not.toBe(input.buffer)
  })

  it('fails like decode() on malformed input', () => {
    const input = msg.encode({ name: 'x', blob: new Uint8Array(4096), parts: [] })
    expect(() => decodeOwned(msg, input.subarray(0, 100))).toThrow(/exceeds|left/)
    expect(() => decodeOwned(msg, new Uint8Array([...input, 0]))).toThrow()
  })
})
