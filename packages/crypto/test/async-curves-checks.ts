// The asynchronous curve calls (`x25519Exchange`, `PublicKey#verifyAsync`) against the RFC
// vectors and the Ed25519 edge cases, for any entry point's API. No vitest, no Node APIs: the
// same checks run in Node (async-curves.test.ts) and bundled in Chromium (webcrypto-browser.test.ts).

/** What the checks need of an entry point. */
export interface AsyncApi {
  x25519Exchange(secretKey?: Uint8Array): Promise<{ publicKey: Uint8Array; sharedSecret(peer: Uint8Array): Promise<Uint8Array>; wipe(): void }>
  PublicKey: { fromBytes(b: Uint8Array): { verifyAsync(sig: Uint8Array, msg: Uint8Array): Promise<boolean> } }
  LowOrderKeyError: { isInstance(e: unknown): boolean }
  hexToBytes(hex: string): Uint8Array
  bytesToHex(b: Uint8Array): string
}

/** The vector files the checks read (test/vectors/*.json). */
export interface AsyncVectors {
  x25519: {
    scalarMult: { scalar: string; u: string; out: string }[]
    dh: { alicePrivate: string; alicePublic: string; bobPrivate: string; bobPublic: string; shared: string }
    lowOrder: string[]
  }
  ed25519: { vectors: { name: string; publicKey: string; message: string; signature: string }[] }
  speccheck: { cases: { index: number; pub_key: string; message: string; signature: string }[] }
}

/** Runs every check; returns one line per failure (none: all passed) and how many ran. */
export async function runAsyncCurveChecks(api: AsyncApi, v: AsyncVectors): Promise<{ failures: string[]; checks: number }> {
  const failures: string[] = []
  let checks = 0
  const h = api.hexToBytes
  const hx = api.bytesToHex
  const expectEq = (what: string, got: unknown, want: unknown) => {
    checks++
    if (got !== want) failures.push(`${what}: got ${String(got)}, want ${String(want)}`)
  }

  // RFC 7748 section 5.2: the exchange of a fixed scalar with a given u (its top bit is ignored)
  for (const [i, t] of v.x25519.scalarMult.entries()) {
    const ex = await api.x25519Exchange(h(t.scalar))
    expectEq(`x25519 5.2 #${i}`, hx(await ex.sharedSecret(h(t.u))), t.out)
    ex.wipe()
  }
  // section 6.1: both public keys and the shared secret, both ways
  const alice = await api.x25519Exchange(h(v.x25519.dh.alicePrivate))
  const bob = await api.x25519Exchange(h(v.x25519.dh.bobPrivate))
  expectEq('x25519 6.1 alice public', hx(alice.publicKey), v.x25519.dh.alicePublic)
  expectEq('x25519 6.1 bob public', hx(bob.publicKey), v.x25519.dh.bobPublic)
  expectEq('x25519 6.1 alice shared', hx(await alice.sharedSecret(bob.publicKey)), v.x25519.dh.shared)
  expectEq('x25519 6.1 bob shared', hx(await bob.sharedSecret(alice.publicKey)), v.x25519.dh.shared)
  // fresh keys agree
  const a = await api.x25519Exchange()
  const b = await api.x25519Exchange()
  expectEq('x25519 fresh public key length', a.publicKey.length, 32)
  expectEq('x25519 fresh pair agrees', hx(await a.sharedSecret(b.publicKey)), hx(await b.sharedSecret(a.publicKey)))
  // every low-order key is refused with LowOrderKeyError, for a fresh and for a fixed secret
  for (const u of v.x25519.lowOrder) {
    for (const ex of [a, alice]) {
      let error: unknown = null
      try {
        await ex.sharedSecret(h(u))
      } catch (e) {
        error = e
      }
      expectEq(`x25519 low-order ${u} refused`, api.LowOrderKeyError.isInstance(error), true)
    }
  }
  for (const ex of [a, b, alice, bob]) ex.wipe()

  // RFC 8032 section 7.1: valid signatures verify; another message does not
  for (const t of v.ed25519.vectors) {
    const pub = api.PublicKey.fromBytes(h(t.publicKey))
    expectEq(`ed25519 ${t.name}`, await pub.verifyAsync(h(t.signature), h(t.message)), true)
    expectEq(`ed25519 ${t.name} other message`, await pub.verifyAsync(h(t.signature), Uint8Array.of(1, 2, 3)), false)
    const flipped = h(t.signature)
    flipped[5]! ^= 1
    expectEq(`ed25519 ${t.name} flipped bit`, await pub.verifyAsync(flipped, h(t.message)), false)
    expectEq(`ed25519 ${t.name} short signature`, await pub.verifyAsync(h(t.signature).subarray(0, 63), h(t.message)), false)
  }
  // speccheck (Chalkias et al.): exactly cases 5 and 6 are accepted, as by every engine
  const accepted: number[] = []
  for (const c of v.speccheck.cases) {
    checks++
    if (await api.PublicKey.fromBytes(h(c.pub_key)).verifyAsync(h(c.signature), h(c.message))) accepted.push(c.index)
  }
  expectEq('ed25519 speccheck accepted cases', accepted.join(','), '5,6')
  // S + L of a valid signature (the same point, a non-canonical scalar) is refused
  const t1 = v.ed25519.vectors[0]!
  const sig = h(t1.signature)
  const L = h('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010')
  let carry = 0
  for (let i = 0; i < 32; i++) {
    const s = sig[32 + i]! + L[i]! + carry
    sig[32 + i] = s & 0xff
    carry = s >> 8
  }
  expectEq('ed25519 S + L refused', await api.PublicKey.fromBytes(h(t1.publicKey)).verifyAsync(sig, h(t1.message)), false)
  return { failures, checks }
}
