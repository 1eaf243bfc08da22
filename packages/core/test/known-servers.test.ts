import { describe, expect, it } from 'vitest'
import { prepareServerCheck, resolvePinning } from '../src/client/server-check.js'
import { storeContract } from './support/store-contract.js'
import {
  HandshakeError,
  KiloError,
  KnownServerMismatchError,
  type KnownServers,
  KnownServersError,
  localStorageKnownServers,
  memoryKnownServers,
  PinningRequiredError,
  PublicKey,
  SigningKey,
  type StorageLike,
  trustOnFirstUse,
} from '../src/index.js'

const a = SigningKey.generate().publicKey
const b = SigningKey.generate().publicKey

/** A Map behind the Web Storage methods, counting calls. */
function fakeStorage(): StorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  }
}

function mismatch(e: unknown): KnownServerMismatchError {
  expect(KnownServerMismatchError.isInstance(e)).toBe(true)
  return e as KnownServerMismatchError
}

function thrown(f: () => unknown): unknown {
  try {
    f()
  } catch (e) {
    return e
  }
  throw new Error('expected a throw')
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e) => e,
  )
}

storeContract('memoryKnownServers', () => memoryKnownServers())
storeContract('localStorageKnownServers (a storage double)', () => localStorageKnownServers({ storage: fakeStorage() }))

describe('memoryKnownServers', () => {
  it('takes initial entries as a record or pairs', async () => {
    const s1 = memoryKnownServers({ 'h:1': a.toString(), 'h:2': b.bytes })
    expect((await s1.get('h:1'))?.equals(a)).toBe(true)
    expect((await s1.get('h:2'))?.equals(b)).toBe(true)
    const s2 = memoryKnownServers(new Map([['h:1', a]]))
    expect(await trustOnFirstUse(s2, 'h:1', a)).toBe('known')
    expect(() => memoryKnownServers({ 'h 1': a })).toThrow(/"entries"/)
  })
})

describe('localStorageKnownServers', () => {
  it('keeps one entry per server under the prefix, the id in base64url', async () => {
    const storage = fakeStorage()
    const store = localStorageKnownServers({ storage, prefix: 'app:' })
    await trustOnFirstUse(store, 'h:1', a)
    expect([...storage.map]).toEqual([['app:h:1', a.toBase64url()]])
    expect(store.locate('h:1')).toBe('localStorage key "app:h:1"')
    expect(localStorageKnownServers({ storage }).locate('h:1')).toBe('localStorage key "kp.known-server:h:1"')
  })

  it('is refused with a clear error where localStorage does not exist (Node 20)', () => {
    expect('localStorage' in globalThis && (globalThis as { localStorage?: unknown }).localStorage).toBeFalsy()
    const err = thrown(() => localStorageKnownServers())
    expect(KnownServersError.isInstance(err)).toBe(true)
    expect((err as Error).message).toMatch(/localStorage is not available in this environment.*memoryKnownServers\(\).*fileKnownServers/)
  })

  it('where reading localStorage throws (blocked storage), the error says so and keeps the cause', () => {
    const blocked = new Error('The operation is insecure.')
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get: () => {
        throw blocked
      },
    })
    try {
      const err = thrown(() => localStorageKnownServers())
      expect(KnownServersError.isInstance(err)).toBe(true)
      expect((err as Error).message).toMatch(/access refused: The operation is insecure/)
      expect((err as Error).cause).toBe(blocked)
    } finally {
      delete (globalThis as { localStorage?: unknown }).localStorage
    }
  })

  it('a full or failing storage and a corrupted value are KnownServersErrors; a corrupted value can be forgotten', async () => {
    const storage = fakeStorage()
    const full = {
      ...storage,
      setItem: () => {
        throw new Error('QuotaExceededError')
      },
    }
    await expect(trustOnFirstUse(localStorageKnownServers({ storage: full }), 'h:1', a)).rejects.toThrow(
      /writing "kp.known-server:h:1" failed: QuotaExceededError/,
    )
    storage.map.set('kp.known-server:h:2', 'not an id')
    const store = localStorageKnownServers({ storage })
    const e = await rejection(trustOnFirstUse(store, 'h:2', a))
    expect(KnownServersError.isInstance(e)).toBe(true)
    expect((e as Error).message).toMatch(/"kp.known-server:h:2" holds no server id/)
    expect(await store.forget('h:2')).toBe(true)
    expect(await trustOnFirstUse(store, 'h:2', a)).toBe('recorded')
  })
})

describe('resolvePinning: pinning is an explicit choice', () => {
  it('no serverId, no knownServers, no opt-out: PinningRequiredError saying how to pin', () => {
    for (const o of [{}, { insecureAcceptAnyServer: false }, { serverName: 'h:1' }]) {
      const err = thrown(() => resolvePinning(o))
      expect(PinningRequiredError.isInstance(err)).toBe(true)
      expect(KiloError.isInstance(err)).toBe(true)
      const e = err as PinningRequiredError
      expect(e.code).toBe('kp.PinningRequired')
      expect(e.message).toContain('serverId:')
      expect(e.message).toContain('knownServers:')
      expect(e.message).toContain('fileKnownServers(path)')
      expect(e.message).toContain('localStorageKnownServers()')
      expect(e.message).toContain('insecureAcceptAnyServer: true')
    }
  })

  it('each choice alone is accepted', () => {
    expect(resolvePinning({ serverId: a.toHex() })).toMatchObject({ mode: 'pinned' })
    expect(resolvePinning({ knownServers: memoryKnownServers(), serverName: 'h:1' })).toMatchObject({ mode: 'known-servers', serverName: 'h:1' })
    expect(resolvePinning({ insecureAcceptAnyServer: true })).toEqual({ mode: 'insecure' })
  })

  it('contradictions and wrong values are refused', () => {
    expect(() => resolvePinning({ serverId: a, insecureAcceptAnyServer: true })).toThrow(/"serverId" and "insecureAcceptAnyServer" exclude each other/)
    expect(() => resolvePinning({ serverId: a, knownServers: memoryKnownServers() })).toThrow(RangeError)
    expect(() => resolvePinning({ knownServers: memoryKnownServers(), insecureAcceptAnyServer: true })).toThrow(RangeError)
    expect(() => resolvePinning({ insecureAcceptAnyServer: 'yes' as never })).toThrow(TypeError)
    expect(() => resolvePinning({ knownServers: {} as never })).toThrow(/"knownServers" expected a KnownServers store/)
    expect(() => resolvePinning({ knownServers: memoryKnownServers(), serverName: 'a b' })).toThrow(/"serverName"/)
    expect(() => resolvePinning({ serverId: 'nope' })).toThrow(RangeError)
  })
})

describe('prepareServerCheck: read before the handshake, verify inside it, record after READY', () => {
  it('pinned: verify refuses another id with HandshakeError pin-mismatch', async () => {
    const check = await prepareServerCheck(resolvePinning({ serverId: a }), '127.0.0.1:4000')
    expect(() => check.verify(a)).not.toThrow()
    const err = thrown(() => check.verify(b))
    expect(HandshakeError.isInstance(err) && err.check === 'pin-mismatch' && err.code === 'kp.Handshake').toBe(true)
    expect(await check.confirm(a)).toBe('pinned')
  })

  it('insecure: verify accepts anything, confirm warns', async () => {
    const warnings: string[] = []
    const check = await prepareServerCheck(resolvePinning({ insecureAcceptAnyServer: true }), '127.0.0.1:4000', { warn: (m) => warnings.push(m) })
    expect(() => check.verify(b)).not.toThrow()
    expect(await check.confirm(b)).toBe('unchecked')
    expect(warnings).toEqual([expect.stringMatching(/without any check \(insecureAcceptAnyServer\)/)])
  })

  it('known servers: first use accepts and records (logged), then the id is pinned', async () => {
    const store = memoryKnownServers()
    const pinning = resolvePinning({ knownServers: store })
    const infos: string[] = []
    const first = await prepareServerCheck(pinning, '127.0.0.1:4000', { info: (m) => infos.push(m) })
    expect(() => first.verify(a)).not.toThrow()
    expect(await store.get('127.0.0.1:4000')).toBeNull() // nothing recorded before READY
    expect(await first.confirm(a)).toBe('recorded')
    expect(infos).toEqual([expect.stringContaining(`first connection to "127.0.0.1:4000": recorded its id ${a.toString()}`)])
    const second = await prepareServerCheck(pinning, '127.0.0.1:4000')
    expect(() => second.verify(a)).not.toThrow()
    expect(mismatch(thrown(() => second.verify(b))).seenId.equals(b)).toBe(true)
    expect(await second.confirm(a)).toBe('known')
  })

  it('the name is serverName when given, the transport address otherwise', async () => {
    const store = memoryKnownServers({ 'example.com:4000': a })
    const named = await prepareServerCheck(resolvePinning({ knownServers: store, serverName: 'example.com:4000' }), '93.184.215.14:4000')
    expect(() => named.verify(b)).toThrow(/"example.com:4000"/)
    const unnamed = await prepareServerCheck(resolvePinning({ knownServers: store }), '93.184.215.14:4000')
    expect(() => unnamed.verify(b)).not.toThrow() // a first meeting for that address
  })

  it('two first uses racing: the second to record learns of the first and fails', async () => {
    const store = memoryKnownServers()
    const pinning = resolvePinning({ knownServers: store })
    const c1 = await prepareServerCheck(pinning, 'h:1')
    const c2 = await prepareServerCheck(pinning, 'h:1')
    c1.verify(a)
    c2.verify(b)
    expect(await c1.confirm(a)).toBe('recorded')
    const e = mismatch(await rejection(c2.confirm(b)))
    expect(e.knownId.equals(a) && e.seenId.equals(b)).toBe(true)
  })

  it('a store that returns strings or async results works; its errors pass through', async () => {
    const data = new Map<string, string>()
    const loose: KnownServers = {
      get: async (n) => (data.get(n) ?? null) as unknown as PublicKey | null,
      add: async (n, id) => {
        if (!data.has(n)) data.set(n, id.toString())
        return PublicKey.from(data.get(n)!)
      },
      forget: async (n) => data.delete(n),
      locate: (n) => `my database (row ${n})`,
    }
    expect(await trustOnFirstUse(loose, 'h:1', a)).toBe('recorded')
    expect(await trustOnFirstUse(loose, 'h:1', a)).toBe('known')
    expect(mismatch(await rejection(trustOnFirstUse(loose, 'h:1', b))).message).toContain('my database (row h:1)')
    const broken: KnownServers = { ...loose, get: () => Promise.reject(new KnownServersError('disk on fire')) }
    await expect(prepareServerCheck(resolvePinning({ knownServers: broken }), 'h:1')).rejects.toThrow('disk on fire')
  })
})
