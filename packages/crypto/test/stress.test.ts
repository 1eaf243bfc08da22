import { describe, expect, it } from 'vitest'
import { nodeApi } from './helpers.js'

// Node 20: `.export({ format: 'jwk' })` of keys made by generateKeyPairSync can deadlock after
// some thousands of iterations. The node backend imports random bytes instead; this loop would
// hang (and time out) if that hazard came back.
describe('node backend under load', () => {
  it('50k x25519KeyPair + sign do not deadlock', { timeout: 120_000 }, () => {
    const key = nodeApi.SigningKey.generate()
    const msg = new Uint8Array(64)
    // CPU time, not wall time: a shared machine's load must not fail it; a deadlock still does
    const cpu0 = process.cpuUsage()
    let acc = 0
    for (let i = 0; i < 50_000; i++) {
      const pair = nodeApi.x25519KeyPair()
      msg[0] = pair.publicKey[0]!
      acc ^= key.sign(msg)[0]!
    }
    expect(acc).toBeGreaterThanOrEqual(0)
    const cpu = process.cpuUsage(cpu0)
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(25_000)
  })

  it('2k fresh identities and handshakes-worth of DH', () => {
    for (let i = 0; i < 2_000; i++) {
      const k = nodeApi.SigningKey.generate()
      const a = nodeApi.x25519KeyPair()
      const b = nodeApi.x25519KeyPair()
      const s1 = nodeApi.x25519SharedSecret(a.secretKey, b.publicKey)
      const s2 = nodeApi.x25519SharedSecret(b.secretKey, a.publicKey)
      if (!nodeApi.constantTimeEqual(s1, s2)) throw new Error('DH mismatch')
      if (!k.publicKey.verify(k.sign(s1), s1)) throw new Error('sign/verify mismatch')
    }
  })
})
