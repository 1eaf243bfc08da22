// Compares the crypto engines operation by operation, side by side: sodium-native (libsodium)
// when it is installed, node:crypto (OpenSSL) and the pure-JavaScript noble code.
// Run: pnpm --filter @kp/crypto bench   (BENCH_MS / BENCH_ROUNDS change the rounds)
import { cpus } from 'node:os'
import { type Api, engines } from './engines.js'
import { opsPerSec } from './ops.js'

const ROUND_MS = Number(process.env.BENCH_MS ?? 200)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)

const enc = new TextEncoder()
const zeroNonce = new Uint8Array(12)

/** The crypto of one handshake, both sides: 2 X25519 pairs, 2 DH, 2 sign, 2 verify of keys that just arrived, 8 BLAKE2b, 2 seal + 2 open. */
function handshake(api: Api, server: Api['SigningKey']['prototype'], client: Api['SigningKey']['prototype'], hello: Uint8Array) {
  const ec = api.x25519KeyPair()
  const es = api.x25519KeyPair()
  // server
  const th1 = api.hash('kp1-th1', hello, es.publicKey)
  const dhS = api.x25519SharedSecret(es.secretKey, ec.publicKey)
  const hsS = api.kdf(dhS, 'kp1-hs', th1)
  const kS = api.kdf(hsS, 'kp1-s-hs')
  const sigS = server.sign(concat(enc.encode('kp1-server-sig'), th1))
  const welcome = api.seal(kS, zeroNonce, concat(server.publicKey.bytes, sigS), th1)
  // client
  const dhC = api.x25519SharedSecret(ec.secretKey, es.publicKey)
  const hsC = api.kdf(dhC, 'kp1-hs', th1)
  const kC = api.kdf(hsC, 'kp1-s-hs')
  const pW = api.open(kC, zeroNonce, welcome, th1)
  if (!api.PublicKey.fromBytes(pW.subarray(0, 32)).verify(pW.subarray(32), concat(enc.encode('kp1-server-sig'), th1))) {
    throw new Error('bad server signature')
  }
  const th2 = api.hash('kp1-th2', th1, welcome)
  const sigC = client.sign(concat(enc.encode('kp1-client-sig'), th2))
  const finish = api.seal(kC, zeroNonce, concat(client.publicKey.bytes, sigC), th2)
  // server
  const pF = api.open(kS, zeroNonce, finish, th2)
  if (!api.PublicKey.fromBytes(pF.subarray(0, 32)).verify(pF.subarray(32), concat(enc.encode('kp1-client-sig'), th2))) {
    throw new Error('bad client signature')
  }
  api.wipe(ec.secretKey)
  api.wipe(es.secretKey)
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

interface Row {
  name: string
  /** ops/s per engine name; undefined when the engine lacks the operation. */
  ops: Map<string, number | undefined>
}

/** Collects the previous engine's garbage before a measurement (when run with --expose-gc). */
const exposedGc = (globalThis as { gc?: () => void }).gc
const gc = exposedGc ?? (() => {})

/**
 * Every engine in alternating rounds; each keeps its best round, so a burst of load from
 * other processes on the machine hurts no engine more than another. The order rotates every
 * round and garbage is collected before each batch, so no engine pays for another's garbage.
 */
function run(name: string, make: (api: Api) => (() => void) | undefined): Row {
  const fns = engines.map((e) => ({ name: e.name, fn: make(e.api) }))
  const row: Row = { name, ops: new Map() }
  for (const { name: n, fn } of fns) {
    row.ops.set(n, fn === undefined ? undefined : 0)
    if (fn !== undefined) opsPerSec(fn, 100) // warm-up
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (let j = 0; j < fns.length; j++) {
      const { name: n, fn } = fns[(r + j) % fns.length]!
      if (fn === undefined) continue
      gc()
      row.ops.set(n, Math.max(row.ops.get(n)!, opsPerSec(fn, ROUND_MS)))
    }
  }
  process.stderr.write(`${name}: done\n`)
  return row
}

const msg64 = new Uint8Array(64).fill(1)
const rows: Row[] = []

function aeadRows(size: number, label: string) {
  rows.push(
    run(`seal ${label} (aead(key).seal)`, (api) => {
      const box = api.aead(api.randomBytes(32))
      const nonce = new Uint8Array(12)
      const pt = api.randomBytes(size)
      let i = 0
      return () => box.seal(api.counterNonce(i++, nonce), pt)
    }),
  )
  rows.push(
    run(`open ${label} (aead(key).open)`, (api) => {
      const box = api.aead(api.randomBytes(32))
      const nonce = api.counterNonce(7)
      const sealed = box.seal(nonce, api.randomBytes(size))
      return () => box.open(nonce, sealed)
    }),
  )
}

aeadRows(40, '40 B')
rows.push(
  run('sealInto 40 B (into a frame, counter nonce)', (api) => {
    const box = api.aead(api.randomBytes(32)) as ReturnType<Api['aead']> & { sealInto?: Function }
    if (typeof box.sealInto !== 'function') return undefined
    const nonce = new Uint8Array(12)
    const pt = api.randomBytes(40)
    const frame = new Uint8Array(8 + 40 + 16)
    let i = 0
    return () => box.sealInto!(frame, 8, api.counterNonce(i++, nonce), pt)
  }),
)
rows.push(
  run('openInto 40 B (in place in the frame)', (api) => {
    const box = api.aead(api.randomBytes(32)) as ReturnType<Api['aead']> & { openInto?: Function }
    if (typeof box.openInto !== 'function') return undefined
    const nonce = api.counterNonce(7)
    const sealed = box.seal(nonce, api.randomBytes(40))
    const frame = new Uint8Array(8 + sealed.length)
    return () => {
      frame.set(sealed, 8) // the record arrives; opened in place
      box.openInto!(frame, 8, nonce, frame.subarray(8))
    }
  }),
)
aeadRows(64 * 1024, '64 KiB')
rows.push(
  run('seal 40 B one-shot (seal(key, ...))', (api) => {
    const key = api.randomBytes(32)
    const pt = api.randomBytes(40)
    return () => api.seal(key, zeroNonce, pt)
  }),
)
rows.push(
  run('BLAKE2b-256 keyed, 40 B (kdf)', (api) => {
    const k = api.randomBytes(32)
    const m = api.randomBytes(40)
    return () => api.kdf(k, m)
  }),
)
rows.push(
  run('BLAKE2b-256 keyed, label + 32 B (kdf)', (api) => {
    const k = api.randomBytes(32)
    const th = api.randomBytes(32)
    return () => api.kdf(k, 'kp1-hs', th)
  }),
)
rows.push(
  run('BLAKE2b-256 unkeyed, 40 B (hash)', (api) => {
    const m = api.randomBytes(40)
    return () => api.hash(m)
  }),
)
rows.push(
  run('X25519 key pair + shared secret', (api) => {
    const peer = api.x25519KeyPair()
    return () => {
      const p = api.x25519KeyPair()
      api.x25519SharedSecret(p.secretKey, peer.publicKey)
    }
  }),
)
rows.push(
  run('Ed25519 sign (64 B)', (api) => {
    const k = api.SigningKey.generate()
    return () => k.sign(msg64)
  }),
)
rows.push(
  run('Ed25519 verify (64 B, key reused)', (api) => {
    const k = api.SigningKey.generate()
    const sig = k.sign(msg64)
    const pub = api.PublicKey.fromBytes(k.publicKey.bytes)
    return () => {
      if (!pub.verify(sig, msg64)) throw new Error('verify')
    }
  }),
)
rows.push(
  run('handshake crypto (both sides)', (api) => {
    const s = api.SigningKey.generate()
    const c = api.SigningKey.generate()
    const hello = new Uint8Array(256)
    return () => handshake(api, s, c, hello)
  }),
)

const us = (ops: number | undefined) => {
  if (ops === undefined) return '—'
  const t = 1e6 / ops
  return t >= 100 ? t.toFixed(0) : t >= 10 ? t.toFixed(1) : t.toFixed(2)
}
const names = engines.map((e) => e.name)
const base = names.includes('node') ? 'node' : names[0]!
const fastest = names[0]!

console.log(`\nNode ${process.version}, OpenSSL ${process.versions.openssl}, ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}`)
console.log(`engines: ${engines.map((e) => `${e.name} (${e.label})`).join(', ')}`)
console.log(`µs per operation (CPU time), best of ${ROUNDS} alternating rounds of ${ROUND_MS} ms${exposedGc ? ', garbage collected before each' : ''}\n`)
const ratio = fastest !== base
console.log(`| operation | ${names.join(' | ')} |${ratio ? ` ${base} / ${fastest} |` : ''}`)
console.log(`|---|${names.map(() => '---:').join('|')}|${ratio ? '---:|' : ''}`)
for (const r of rows) {
  const cells = names.map((n) => us(r.ops.get(n)))
  const a = r.ops.get(fastest)
  const b = r.ops.get(base)
  const x = a !== undefined && b !== undefined ? `${(a / b).toFixed(1)}×` : '—'
  console.log(`| ${r.name} | ${cells.join(' | ')} |${ratio ? ` ${x} |` : ''}`)
}
