import { BipackReader } from '@kp/bipack'
import { type Aead, aead, counterNonce } from '@kp/crypto'
import { ProtocolError } from '../errors/protocol-error.js'
import { ReplayWindow } from './replay-window.js'

/** Per-session record statistics (datagram drops are counted here, never fatal). */
export interface RecordStats {
  /** Records that opened and were accepted. */
  accepted: number
  /** Records dropped because their counter was already seen or too old. */
  replayed: number
  /** Records dropped because they did not open (forged, corrupted) or did not parse. */
  forged: number
}

/** Nonce scratch shared by every opener: used only inside one synchronous `open`. */
const nonce = new Uint8Array(12)

/**
 * Opens incoming records of one direction (PROTOCOL.md 5.2). Reliable transports: the counter
 * must be exactly the next one and the record must open, else `ProtocolError`. Datagram
 * transports: a sliding replay window; duplicates and forgeries return null and are counted.
 */
export class RecordOpener {
  readonly stats: RecordStats = { accepted: 0, replayed: 0, forged: 0 }
  private readonly aead: Aead
  private expected = 0
  private readonly window: ReplayWindow | null

  constructor(key: Uint8Array, reliable: boolean, windowSize = 1024) {
    this.aead = aead(key)
    this.window = reliable ? null : new ReplayWindow(windowSize)
  }

  /** Returns the plaintext, or null when a datagram record is dropped. */
  open(frame: Uint8Array): Uint8Array | null {
    return this.openRecord(frame, false)
  }

  /**
   * {@link open}, decrypting inside `frame` itself: the plaintext is a view of `frame` (no
   * allocation, no copy). The caller must own the frame (a transport hands it over) and must
   * not need its ciphertext afterwards; a record that does not open leaves those bytes zeroed.
   */
  openInPlace(frame: Uint8Array): Uint8Array | null {
    return this.openRecord(frame, true)
  }

  private openRecord(frame: Uint8Array, inPlace: boolean): Uint8Array | null {
    let counter: number
    let start: number
    try {
      const r = new BipackReader(frame, 1)
      counter = r.unsigned()
      start = r.offset
    } catch (e) {
      return this.reject(`record header does not parse: ${(e as Error).message}`)
    }
    const window = this.window
    if (window) {
      if (!window.check(counter)) {
        this.stats.replayed++
        return null
      }
    } else if (counter !== this.expected) {
      throw new ProtocolError(`record counter ${counter} out of order (expected ${this.expected})`)
    }
    let plaintext: Uint8Array
    try {
      const n = counterNonce(counter, nonce)
      if (inPlace) {
        const sealed = frame.subarray(start)
        plaintext = frame.subarray(start, start + this.aead.openInto(frame, start, n, sealed))
      } else plaintext = this.aead.open(n, frame.subarray(start))
    } catch (e) {
      return this.reject('record does not open (forged or corrupted)', e)
    }
    if (window) window.accept(counter)
    else this.expected = counter + 1
    this.stats.accepted++
    return plaintext
  }

  private reject(message: string, cause?: unknown): null {
    if (this.window) {
      this.stats.forged++
      return null
    }
    throw new ProtocolError(message, { cause })
  }
}
