import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

// `ws` requires the optional `bufferutil` addon itself, from its own install folder, when it can
// (pnpm links it beside `ws` because this package lists both; npm hoists it next to `ws`).
describe('optional bufferutil', () => {
  const fromHere = createRequire(import.meta.url)
  const fromWs = createRequire(fromHere.resolve('ws'))

  it('resolves from where ws looks for it', () => {
    expect(fromWs.resolve('bufferutil')).toMatch(/bufferutil/)
    const addon = fromWs('bufferutil') as { mask: (...a: unknown[]) => void }
    expect(typeof addon.mask).toBe('function')
  })

  it('is what ws masks frames with (unless Node has its own websocketMask)', () => {
    const bufferUtil = fromWs('./lib/buffer-util.js') as { mask: (...a: unknown[]) => void }
    const nodeOwn = typeof (fromHere('node:http') as Record<string, unknown>).websocketMask === 'function'
    expect(String(bufferUtil.mask)).toContain(nodeOwn ? 'websocketMask' : 'bufferUtil.mask')
    // and the masking is right: XOR with the 4-byte key
    const source = Buffer.from(Array.from({ length: 100 }, (_, i) => i))
    const out = Buffer.alloc(100)
    bufferUtil.mask(source, Buffer.from([1, 2, 3, 4]), out, 0, 100)
    expect([...out]).toEqual([...source].map((b, i) => b ^ [1, 2, 3, 4][i % 4]!))
  })
})
