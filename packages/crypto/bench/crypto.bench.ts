// Compares the node:crypto backend (package root in Node) with the pure noble backend
// (`@kp/crypto/noble`) operation by operation. Run: pnpm --filter @kp/crypto bench
import { cpus } from 'node:os'
import * as noble from '@kp/crypto/noble'
import * as node from '@kp/crypto'

type Api = typeof node
const ROUND_MS = Number(process.env.BENCH_MS ?? 200)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)

/** CPU milliseconds (user + system) this process has used: unlike wall time, other processes on a busy machine do not inflate it. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/** ops per CPU-second of `fn` over one batch of at least `ms` CPU milliseconds. */
function opsPerSec(fn: () => void, ms: number): number {
  let n = 1
  for (;;) {
    const t0 = cpuMs()
    for (let i = 0; i < n; i++) fn()
    const took = cpuMs() - t0
    if (took >= ms) return (n * 1000) / took
    n = Math.max(n * 2, Math.ceil((n * ms * 1.1) / Math.max(took, 0.5)))
  }
}

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
  noble: number
  node: number
  bytes?: number
}

/**
 * Both implementations in alternating rounds; each keeps its best round, so a burst of load
 * from other processes on the machine hurts neither side more than the other.
 */
function run(name: string, make: (api: Api) => () => void, bytes?: number): Row {
  const fNoble = make(noble as Api)
  const fNode = make(node)
  opsPerSec(fNoble, 100) // warm-up
  opsPerSec(fNode, 100)
  const row: Row = { name, noble: 0, node: 0 }
  for (let r = 0; r < ROUNDS; r++) {
    row.noble = Math.max(row.noble, opsPerSec(fNoble, ROUND_MS))
    row.node = Math.max(row.node, opsPerSec(fNode, ROUND_MS))
  }
  if (bytes !== undefined) row.bytes = bytes
  process.stderr.write(`${name}: done\n`)
  return row
}

const msg64 = new Uint8Array(64).fill(1)
const rows: Row[] = []

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
  run('X25519 key pair + shared secret', (api) => {
    const peer = api.x25519KeyPair()
    return () => {
      const p = api.x25519KeyPair()
      api.x25519SharedSecret(p.secretKey, peer.publicKey)
    }
  }),
)
rows.push(
  run('BLAKE2b-256 kdf (label + 32 B)', (api) => {
    const k = api.randomBytes(32)
    const th = api.randomBytes(32)
    return () => api.kdf(k, 'kp1-hs', th)
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
for (const size of [64, 1024, 16 * 1024, 1024 * 1024]) {
  const label = size >= 1024 * 1024 ? `${size >> 20} MiB` : size >= 1024 ? `${size >> 10} KiB` : `${size} B`
  rows.push(
    run(
      `seal + open ${label} (aead(key))`,
      (api) => {
        const box = api.aead(api.randomBytes(32))
        const nonce = new Uint8Array(12)
        const pt = api.randomBytes(size)
        let i = 0
        return () => {
          api.counterNonce(i++, nonce)
          box.open(nonce, box.seal(nonce, pt))
        }
      },
      size,
    ),
  )
}
rows.push(
  run('seal + open 64 B (one-shot seal/open)', (api) => {
    const key = api.randomBytes(32)
    const nonce = new Uint8Array(12)
    const pt = api.randomBytes(64)
    return () => api.open(key, nonce, api.seal(key, nonce, pt))
  }),
)

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1))
const us = (ops: number) => (1e6 / ops).toFixed(ops > 1e5 ? 2 : 1)
const mbs = (ops: number, bytes: number) => `${((ops * bytes * 2) / 1e6).toFixed(0)} MB/s`

console.log(`\nNode ${process.version}, OpenSSL ${process.versions.openssl}, ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}\n`)
console.log(`ops per CPU-second, best of ${ROUNDS} alternating rounds\n`)
console.log('| operation | noble ops/s (µs/op) | node ops/s (µs/op) | node / noble |')
console.log('|---|---:|---:|---:|')
for (const r of rows) {
  const extra = (ops: number) => (r.bytes !== undefined && r.bytes >= 16384 ? `, ${mbs(ops, r.bytes)}` : '')
  console.log(
    `| ${r.name} | ${fmt(r.noble)} (${us(r.noble)}${extra(r.noble)}) | ${fmt(r.node)} (${us(r.node)}${extra(r.node)}) | ${(r.node / r.noble).toFixed(1)}× |`,
  )
}
