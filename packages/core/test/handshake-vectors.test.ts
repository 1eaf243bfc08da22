import { readFileSync } from 'node:fs'
import { BipackWriter } from '@kp/bipack'
import { counterNonce, hash, kdf, seal, SigningKey, x25519KeyPairFromSecret, x25519SharedSecret } from '@kp/crypto'
import { describe, expect, it } from 'vitest'
import { hex, READY_VALUES, runHandshake, unhex } from './support/handshake-run.js'

const v = JSON.parse(readFileSync(new URL('./vectors/handshake.json', import.meta.url), 'utf8')) as Record<string, string>
const ZERO12 = new Uint8Array(12)
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}
const ascii = (s: string) => new TextEncoder().encode(s)

describe('handshake vectors (packages/core/test/vectors/handshake.json)', () => {
  it('has every required key', () => {
    for (const k of [
      'client_seed',
      'server_seed',
      'client_ephemeral_secret',
      'server_ephemeral_secret',
      'hello',
      'welcome',
      'finish',
      'th1',
      'th2',
      'th3',
      'k_c2s',
      'k_s2c',
      'token',
      'server_first_record',
      'client_first_record',
      'client_id',
      'server_id',
      'e_c_pub',
      'e_s_pub',
      'dh',
      'hs',
      'k_s_hs',
      'k_c_hs',
      'sig_s',
      'sig_c',
      'master',
      'ready_plaintext',
      'call_plaintext',
    ]) {
      expect(typeof v[k], k).toBe('string')
      expect(v[k]!.length, k).toBeGreaterThan(0)
    }
  })

  it('rebuilds every value from the inputs with the primitives, straight from PROTOCOL.md', () => {
    const clientKey = SigningKey.fromSeed(unhex(v.client_seed!))
    const serverKey = SigningKey.fromSeed(unhex(v.server_seed!))
    const ec = x25519KeyPairFromSecret(unhex(v.client_ephemeral_secret!))
    const es = x25519KeyPairFromSecret(unhex(v.server_ephemeral_secret!))
    expect(hex(clientKey.publicKey.bytes)).toBe(v.client_id)
    expect(hex(serverKey.publicKey.bytes)).toBe(v.server_id)
    expect(hex(ec.publicKey)).toBe(v.e_c_pub)
    expect(hex(es.publicKey)).toBe(v.e_s_pub)
    // 4.1 HELLO
    const hello = new Uint8Array(256)
    hello.set([1, 1 << 2], 0)
    hello.set(ec.publicKey, 2)
    hello[34] = 0 // empty cookie
    expect(hex(hello)).toBe(v.hello)
    // 4.2 WELCOME
    const th1 = hash(cat(ascii('kp1-th1'), hello, es.publicKey))
    expect(hex(th1)).toBe(v.th1)
    const dh = x25519SharedSecret(es.secretKey, ec.publicKey)
    expect(hex(x25519SharedSecret(ec.secretKey, es.publicKey))).toBe(hex(dh))
    expect(hex(dh)).toBe(v.dh)
    const hs = kdf(dh, cat(ascii('kp1-hs'), th1))
    expect(hex(hs)).toBe(v.hs)
    const kSHs = kdf(hs, ascii('kp1-s-hs'))
    const kCHs = kdf(hs, ascii('kp1-c-hs'))
    expect(hex(kSHs)).toBe(v.k_s_hs)
    expect(hex(kCHs)).toBe(v.k_c_hs)
    const sigS = serverKey.sign(cat(ascii('kp1-server-sig'), th1))
    expect(hex(sigS)).toBe(v.sig_s)
    const welcome = cat(Uint8Array.of(2, 4), es.publicKey, seal(kSHs, ZERO12, cat(serverKey.publicKey.bytes, sigS), th1))
    expect(welcome.length).toBe(146)
    expect(hex(welcome)).toBe(v.welcome)
    // 4.3 FINISH (client proves its identity: flags = 1)
    const th2 = hash(cat(ascii('kp1-th2'), th1, welcome))
    expect(hex(th2)).toBe(v.th2)
    const sigC = clientKey.sign(cat(ascii('kp1-client-sig'), th2))
    expect(hex(sigC)).toBe(v.sig_c)
    const finish = cat(Uint8Array.of(3), seal(kCHs, ZERO12, cat(Uint8Array.of(1), clientKey.publicKey.bytes, sigC), th2))
    expect(hex(finish)).toBe(v.finish)
    // 4.4 session keys
    const th3 = hash(cat(ascii('kp1-th3'), th2, finish))
    expect(hex(th3)).toBe(v.th3)
    const master = kdf(dh, cat(ascii('kp1-master'), th3))
    expect(hex(master)).toBe(v.master)
    expect(hex(kdf(master, ascii('kp1-c2s')))).toBe(v.k_c2s)
    expect(hex(kdf(master, ascii('kp1-s2c')))).toBe(v.k_s2c)
    expect(hex(kdf(master, ascii('kp1-token')))).toBe(v.token)
    // 5.1 / 6: first records, counter 0 each way
    const ready = new BipackWriter()
      .unsigned(0)
      .unsigned(READY_VALUES.maxMessage)
      .unsigned(READY_VALUES.pingIntervalMs)
      .unsigned(READY_VALUES.idleTimeoutMs)
      .toBytes()
    expect(hex(ready)).toBe(v.ready_plaintext)
    expect(hex(cat(Uint8Array.of(4, 0), seal(unhex(v.k_s2c!), counterNonce(0), ready)))).toBe(v.server_first_record)
    const call = new BipackWriter().unsigned(1).unsigned(1).string('ping').bytes(new BipackWriter().string('hello').toBytes()).toBytes()
    expect(hex(call)).toBe(v.call_plaintext)
    expect(hex(cat(Uint8Array.of(4, 0), seal(unhex(v.k_c2s!), counterNonce(0), call)))).toBe(v.client_first_record)
  })

  it('the handshake implementation produces exactly the vectors', async () => {
    const r = await runHandshake(v as never)
    expect(hex(r.hello)).toBe(v.hello)
    expect(hex(r.welcome)).toBe(v.welcome)
    expect(hex(r.finish)).toBe(v.finish)
    expect(hex(r.client.keys.th3)).toBe(v.th3)
    expect(hex(r.server.keys.th3)).toBe(v.th3)
    expect(hex(r.server.keys.c2s)).toBe(v.k_c2s)
    expect(hex(r.server.keys.s2c)).toBe(v.k_s2c)
    expect(hex(r.server.keys.token)).toBe(v.token)
    expect(r.server.clientId?.equals(r.clientKey.publicKey)).toBe(true)
    expect(hex(r.serverFirst)).toBe(v.server_first_record)
    expect(hex(r.clientFirst)).toBe(v.client_first_record)
  })
})
