import { afterEach, describe, expect, it, vi } from 'vitest'
import { CryptoError } from '../src/crypto-error.js'
import { ENGINE_ENV, selectEngine } from '../src/node/select-engine.js'
import { requireSodium } from '../src/sodium/load.js'
import { nobleApi, sodiumApi, toHex } from './helpers.js'

const notInstalled = () => {
  throw new Error("Cannot find module 'sodium-native'\nRequire stack:\n- /somewhere/index.js")
}

describe('engine selection (selectEngine with an injected loader)', () => {
  it('default: sodium when sodium-native loads', () => {
    const { engine, info } = selectEngine(undefined, requireSodium)
    expect(engine.name).toBe('sodium')
    expect(info).toMatchObject({ name: 'sodium', selectedBy: 'default' })
    expect(info.fallbackReason).toBeUndefined()
    expect(info.summary).toMatch(
      /^sodium engine \(default\): aead: libsodium \(sodium-native \d+\.\d+\.\d+\) below 64 KiB, node:crypto \(OpenSSL [^)]+\) from 64 KiB; blake2b, x25519: libsodium \(sodium-native [\d.]+\); ed25519: libsodium \(sodium-native [\d.]+\) \+ node:crypto for signatures with a small-order R$/,
    )
  })

  it('default: falls back to node:crypto when sodium-native is not loadable, and says why', () => {
    for (const choice of [undefined, '']) {
      const { engine, info } = selectEngine(choice, notInstalled)
      expect(engine.name).toBe('node')
      expect(info.name).toBe('node')
      expect(info.selectedBy).toBe('default')
      expect(info.fallbackReason).toBe("sodium-native not loadable: Cannot find module 'sodium-native'")
      expect(info.summary).toContain('aead, x25519, ed25519: node:crypto (OpenSSL')
      expect(info.summary).toContain('blake2b: @noble/hashes')
      expect(info.summary).toContain("[sodium-native not loadable: Cannot find module 'sodium-native']")
    }
  })

  it('a sodium-native without the functions the engine needs is not loadable either', () => {
    const { engine, info } = selectEngine(undefined, () => {
      throw new Error('sodium-native has no function crypto_generichash_batch')
    })
    expect(engine.name).toBe('node')
    expect(info.fallbackReason).toContain('crypto_generichash_batch')
  })

  it(`${ENGINE_ENV}=node / noble: that engine, without loading sodium-native`, () => {
    const load = vi.fn(requireSodium)
    expect(selectEngine('node', load).engine.name).toBe('node')
    expect(selectEngine('noble', load).engine.name).toBe('noble')
    expect(selectEngine('noble', load).info.selectedBy).toBe(ENGINE_ENV)
    expect(load).not.toHaveBeenCalled()
  })

  it(`${ENGINE_ENV}=sodium: sodium, or a CryptoError naming the variable when sodium-native does not load`, () => {
    expect(selectEngine('sodium', requireSodium).info).toMatchObject({ name: 'sodium', selectedBy: ENGINE_ENV })
    let err: unknown
    try {
      selectEngine('sodium', notInstalled)
    } catch (e) {
      err = e
    }
    expect(CryptoError.isInstance(err)).toBe(true)
    expect((err as Error).message).toBe(`${ENGINE_ENV}=sodium but sodium-native cannot be loaded: Cannot find module 'sodium-native'`)
    expect((err as Error).cause).toBeInstanceOf(Error)
  })

  it(`any other ${ENGINE_ENV} value is a RangeError naming the variable and the choices`, () => {
    for (const bad of ['Sodium', 'openssl', ' node', 'sodium-native', 'auto', '0']) {
      expect(() => selectEngine(bad, requireSodium)).toThrow(RangeError)
      expect(() => selectEngine(bad, requireSodium)).toThrow(`"${ENGINE_ENV}" expected "sodium", "node", "noble" or unset, got ${JSON.stringify(bad)}`)
    }
  })
})

describe('the Node entry point', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.doUnmock('../src/sodium/load.js')
    vi.resetModules()
  })

  /** A fresh copy of the Node entry (the engine is chosen when the module loads). */
  async function freshEntry() {
    vi.resetModules()
    return await import('../src/index.node.js')
  }

  /** The entry works on its engine and agrees with noble byte for byte. */
  function exercise(api: typeof sodiumApi) {
    const key = new Uint8Array(32).fill(3)
    const nonce = api.counterNonce(9)
    const pt = new TextEncoder().encode('forty bytes of record payload, give or t')
    expect(toHex(api.aead(key).seal(nonce, pt))).toBe(toHex(nobleApi.seal(key, nonce, pt)))
    expect(toHex(api.kdf(key, 'kp1-c2s', pt))).toBe(toHex(nobleApi.kdf(key, 'kp1-c2s', pt)))
    const sk = api.SigningKey.fromSeed(key)
    expect(toHex(sk.sign(pt))).toBe(toHex(nobleApi.SigningKey.fromSeed(key).sign(pt)))
    expect(nobleApi.PublicKey.from(sk.publicKey).verify(sk.sign(pt), pt)).toBe(true)
  }

  it('runs on sodium here, where sodium-native is installed, and says so', () => {
    expect(sodiumApi.backend).toBe('sodium')
    expect(sodiumApi.backendInfo.name).toBe('sodium')
    expect(sodiumApi.backendInfo.operations.aead).toMatch(/^libsodium \(sodium-native .* below 64 KiB, node:crypto/)
    expect(sodiumApi.backendInfo.operations.blake2b).toMatch(/^libsodium \(sodium-native \d/)
    exercise(sodiumApi)
  })

  it('falls back to node:crypto, and reports it, when sodium-native cannot be loaded', async () => {
    vi.doMock('../src/sodium/load.js', () => ({ requireSodium: notInstalled }))
    const api = await freshEntry()
    expect(api.backend).toBe('node')
    expect(api.backendInfo.fallbackReason).toBe("sodium-native not loadable: Cannot find module 'sodium-native'")
    exercise(api)
  })

  it(`${ENGINE_ENV}=node and ${ENGINE_ENV}=noble force those engines`, async () => {
    for (const name of ['node', 'noble'] as const) {
      vi.stubEnv(ENGINE_ENV, name)
      const api = await freshEntry()
      expect(api.backend).toBe(name)
      expect(api.backendInfo.selectedBy).toBe(ENGINE_ENV)
      exercise(api)
    }
  })

  it(`${ENGINE_ENV}=sodium without sodium-native: importing the package fails with a clear error`, async () => {
    vi.stubEnv(ENGINE_ENV, 'sodium')
    vi.doMock('../src/sodium/load.js', () => ({ requireSodium: notInstalled }))
    await expect(freshEntry()).rejects.toThrow(`${ENGINE_ENV}=sodium but sodium-native cannot be loaded`)
  })

  it(`a misspelt ${ENGINE_ENV}: importing the package fails with a RangeError`, async () => {
    vi.stubEnv(ENGINE_ENV, 'libsodium')
    await expect(freshEntry()).rejects.toThrow(RangeError)
  })

  it('@kp/crypto/noble reports its engine too', () => {
    expect(nobleApi.backend).toBe('noble')
    expect(nobleApi.backendInfo).toMatchObject({ name: 'noble', selectedBy: 'entry point' })
    expect(nobleApi.backendInfo.summary).toBe('noble engine (entry point): aead: @noble/ciphers; blake2b: @noble/hashes; x25519, ed25519: @noble/curves')
  })
})
