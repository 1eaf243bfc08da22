import { type Aead, aead, counterNonce, kdf } from '@kp/crypto'
import { ReplayWindow } from './replay-window.js'

/** First byte of every frame. @internal */
export const MAGIC = 0x6b
/** Second byte: how the body travels. @internal */
export const PLAIN = 1
/** Second byte: the body is sealed (ChaCha20-Poly1305) under the sender's key. @internal */
export const SEALED = 2
/** Length of a node id. @internal */
export const NODE_ID_LENGTH = 16
/** Bytes before the body of a plain frame. @internal */
export const PLAIN_HEADER = 2 + NODE_ID_LENGTH
/** Bytes before the ciphertext of a sealed frame (the u64 counter follows the node id). @internal */
export const SEALED_HEADER = PLAIN_HEADER + 8
/** What a frame adds to its body, at most. @internal */
export const FRAME_OVERHEAD = SEALED_HEADER + 16

const LABEL = 'kp-cluster-v1-node'
const utf8 = new TextEncoder()

/** Why a frame was dropped. @internal */
export type DropReason = 'malformed' | 'unsealed' | 'sealed' | 'open' | 'replay' | 'self'

/** A frame that opened. @internal */
export interface OpenedFrame {
  /** Sender's node id, hex. */
  from: string
  /** The body (a view or a fresh buffer; valid during the handler). */
  body: Uint8Array
}

interface Sender {
  aead: Aead
  window: ReplayWindow
}

/**
 * Frames bus payloads: `0x6b ‖ mode ‖ sender node id (16) ‖ body` in the clear, or with a cluster
 * key `0x6b ‖ 2 ‖ node id ‖ counter (u64 LE) ‖ ChaCha20-Poly1305(body)`. Each node seals under
 * its own key `KDF(clusterKey, label ‖ node id)` with counter nonces (never a nonce twice: node ids
 * are random per process), and the header and the subject are the associated data: a frame moved
 * to another subject, or claiming another sender, does not open. Receivers keep a replay window
 * per sender (the last `maxSenders` senders). @internal
 */
export class FrameCodec {
  readonly nodeId: Uint8Array
  readonly nodeHex: string
  private readonly clusterKey: Uint8Array | null
  private readonly own: Aead | null
  private counter = 0
  private readonly senders = new Map<string, Sender>()
  private readonly nonce = new Uint8Array(12)
  private readonly subjectBytes = new Map<string, Uint8Array>()

  constructor(
    nodeId: Uint8Array,
    clusterKey: Uint8Array | null,
    private readonly maxSenders: number,
  ) {
    this.nodeId = nodeId
    this.nodeHex = toHex(nodeId)
    this.clusterKey = clusterKey
    this.own = clusterKey ? aead(kdf(clusterKey, LABEL, nodeId)) : null
  }

  get sealed(): boolean {
    return this.own !== null
  }

  /** The bus payload for `body` on `subject`. */
  frame(subject: string, body: Uint8Array): Uint8Array {
    if (!this.own) {
      const out = new Uint8Array(PLAIN_HEADER + body.length)
      out[0] = MAGIC
      out[1] = PLAIN
      out.set(this.nodeId, 2)
      out.set(body, PLAIN_HEADER)
      return out
    }
    const header = new Uint8Array(SEALED_HEADER)
    header[0] = MAGIC
    header[1] = SEALED
    header.set(this.nodeId, 2)
    const c = this.counter++
    writeU64(header, PLAIN_HEADER, c)
    const sealed = this.own.seal(counterNonce(c, this.nonce), body, this.aad(header, subject))
    const out = new Uint8Array(SEALED_HEADER + sealed.length)
    out.set(header, 0)
    out.set(sealed, SEALED_HEADER)
    return out
  }

  /** Opens a payload from the bus, or says why it is dropped. */
  open(subject: string, data: Uint8Array): OpenedFrame | DropReason {
    if (data.length < PLAIN_HEADER || data[0] !== MAGIC) return 'malformed'
    const mode = data[1]
    const id = data.subarray(2, PLAIN_HEADER)
    if (equalBytes(id, this.nodeId)) return 'self'
    const from = toHex(id)
    if (mode === PLAIN) {
      if (this.own) return 'unsealed'
      return { from, body: data.subarray(PLAIN_HEADER) }
    }
    if (mode !== SEALED) return 'malformed'
    if (!this.own || !this.clusterKey) return 'sealed'
    if (data.length < SEALED_HEADER + 16) return 'malformed'
    const counter = readU64(data, PLAIN_HEADER)
    if (counter < 0) return 'malformed'
    let sender = this.senders.get(from)
    if (sender && !sender.window.check(counter)) return 'replay'
    const fresh = sender === undefined
    if (!sender) sender = { aead: aead(kdf(this.clusterKey, LABEL, id)), window: new ReplayWindow() }
    let body: Uint8Array
    try {
      body = sender.aead.open(counterNonce(counter, this.nonce), data.subarray(SEALED_HEADER), this.aad(data.subarray(0, SEALED_HEADER), subject))
    } catch {
      return 'open'
    }
    // only an authenticated sender gets (or keeps) a place among the remembered ones
    if (fresh) {
      if (this.senders.size >= this.maxSenders) this.senders.delete(this.senders.keys().next().value!)
      this.senders.set(from, sender)
    }
    sender.window.commit(counter)
    return { from, body }
  }

  private aad(header: Uint8Array, subject: string): Uint8Array {
    let s = this.subjectBytes.get(subject)
    if (!s) {
      s = utf8.encode(subject)
      if (this.subjectBytes.size >= 4096) this.subjectBytes.clear()
      this.subjectBytes.set(subject, s)
    }
    const out = new Uint8Array(header.length + s.length)
    out.set(header, 0)
    out.set(s, header.length)
    return out
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lowercase hex. @internal */
export function toHex(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!]
  return s
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function writeU64(b: Uint8Array, at: number, v: number): void {
  const lo = v >>> 0
  const hi = Math.floor(v / 2 ** 32)
  b[at] = lo
  b[at + 1] = lo >>> 8
  b[at + 2] = lo >>> 16
  b[at + 3] = lo >>> 24
  b[at + 4] = hi
  b[at + 5] = hi >>> 8
  b[at + 6] = hi >>> 16
  b[at + 7] = hi >>> 24
}

/** The u64 at `at`, or -1 beyond 2^53 (never sent by a node). */
function readU64(b: Uint8Array, at: number): number {
  const lo = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
  const hi = (b[at + 4]! | (b[at + 5]! << 8) | (b[at + 6]! << 16) | (b[at + 7]! << 24)) >>> 0
  if (hi >= 2 ** 21) return -1
  return hi * 2 ** 32 + lo
}
