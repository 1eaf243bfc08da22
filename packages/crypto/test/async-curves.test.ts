import { describe, expect, it } from 'vitest'
import * as web from '../src/index.js'
import { resetWebCryptoDetection } from '../src/web/webcrypto.js'
import { type AsyncApi, runAsyncCurveChecks } from './async-curves-checks.js'
import { hex, impls, vectors } from './helpers.js'

const v = { x25519: vectors('x25519'), ed25519: vectors('ed25519'), speccheck: vectors('ed25519-speccheck') }

describe('asynchronous curve calls (x25519Exchange, verifyAsync): the RFC vectors and the edge cases', () => {
  for (const { name, api } of impls) {
    it(`${name} engine`, async () => {
      const r = await runAsyncCurveChecks(api as unknown as AsyncApi, v)
      expect(r.failures).toEqual([])
      expect(r.checks).toBeGreaterThan(60)
      const info = await api.asyncCurveInfo()
      // the web engine runs them in WebCrypto (Node 20 has X25519 and Ed25519 there); the others on themselves
      const want = name === 'web' ? 'WebCrypto' : api.backendInfo.operations.x25519
      expect(info).toEqual({ x25519: want, ed25519: name === 'web' ? 'WebCrypto' : api.backendInfo.operations.ed25519 })
    })
  }

  it('web engine (the browser entry) on Node’s WebCrypto', async () => {
    resetWebCryptoDetection()
    expect(await web.asyncCurveInfo()).toEqual({ x25519: 'WebCrypto', ed25519: 'WebCrypto' })
    const r = await runAsyncCurveChecks(web as unknown as AsyncApi, v)
    expect(r.failures).toEqual([])
  })

  it('web engine without WebCrypto: @noble/curves, loaded on first use, gives the same answers', async () => {
    resetWebCryptoDetection(true)
    try {
      expect(await web.asyncCurveInfo()).toEqual({ x25519: '@noble/curves', ed25519: '@noble/curves' })
      const r = await runAsyncCurveChecks(web as unknown as AsyncApi, v)
      expect(r.failures).toEqual([])
    } finally {
      resetWebCryptoDetection()
    }
  })

  it('verifyAsync and verify agree on random signatures and tampered ones, in every engine', async () => {
    const signer = impls[0]!.api.SigningKey.generate()
    for (let i = 0; i < 20; i++) {
      const msg = Uint8Array.from({ length: i * 7 }, (_, j) => (j * 31 + i) & 0xff)
      const sig = signer.sign(msg)
      if (i % 2) sig[i % 64]! ^= 1 << (i % 8)
      const want = signer.publicKey.verify(sig, msg)
      for (const { api } of impls) expect(await api.PublicKey.from(signer.publicKey).verifyAsync(sig, msg)).toBe(want)
      expect(await web.PublicKey.from(signer.publicKey).verifyAsync(sig, msg)).toBe(want)
    }
  })

  it('x25519Exchange checks its arguments: TypeError / RangeError as rejections', async () => {
    for (const { api } of [...impls, { api: web }]) {
      await expect(api.x25519Exchange(new Uint8Array(31))).rejects.toThrow(RangeError)
      await expect(api.x25519Exchange('x' as never)).rejects.toThrow(TypeError)
      const ex = await api.x25519Exchange()
      await expect(ex.sharedSecret(new Uint8Array(33))).rejects.toThrow(RangeError)
      ex.wipe()
      await expect(api.PublicKey.fromBytes(hex(v.ed25519.vectors[0].publicKey)).verifyAsync('s' as never, new Uint8Array(1))).rejects.toThrow(TypeError)
    }
  })
})
