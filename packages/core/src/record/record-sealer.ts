import { BipackWriter } from '@kp/bipack'
import { type Aead, aead, counterNonce } from '@kp/crypto'
import { ConnectionClosedError } from '../errors/connection-closed-error.js'

/** Nonce and header scratch shared by every sealer: used only inside one synchronous `seal`. */
const nonce = new Uint8Array(12)
const header = new BipackWriter(16)

/**
 * Seals outgoing records of one direction (PROTOCOL.md 5.1):
 * `type ‖ smartint(counter) ‖ seal(k, 4 zero ‖ u64le(counter), aad = empty, plaintext)`.
 * Counters start at 0 and are never reused.
 */
export class RecordSealer {
  private readonly aead: Aead
  private counter = 0

  constructor(key: Uint8Array) {
    this.aead = aead(key)
  }

  /** Counter the next record will carry. */
  get next(): number {
    return this.counter
  }

  /** Seals `plaintext` into a whole frame of the given type (4 RECORD, 7 ARQ). */
  seal(plaintext: Uint8Array, type = 4): Uint8Array {
    const counter = this.counter
    // counters are JS numbers: a session closes long before 2^53 (PROTOCOL.md 5.1 asks for 2^64-1)
    if (counter >= Number.MAX_SAFE_INTEGER) throw new ConnectionClosedError('record counter exhausted')
    this.counter = counter + 1
    const sealed = this.aead.seal(counterNonce(counter, nonce), plaintext)
    const h = header
    h.reset()
    h.u8(type).unsigned(counter)
    const frame = new Uint8Array(h.length + sealed.length)
    frame.set(h.view())
    frame.set(sealed, h.length)
    return frame
  }
}
