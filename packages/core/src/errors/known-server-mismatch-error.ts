import type { PublicKey } from '@kp/crypto'
import { HandshakeError } from './handshake-error.js'
import { brandOf, hasBrand, type KiloErrorOptions } from './kilo-error.js'

const BRAND = brandOf('KnownServerMismatchError')

/** What a {@link KnownServerMismatchError} reports. */
export interface KnownServerMismatch {
  /** The server's name in the store, e.g. `"example.com:4000"`. */
  readonly serverName: string
  /** The id on record. */
  readonly knownId: PublicKey
  /** The id the server proved in this handshake. */
  readonly seenId: PublicKey
  /** Where the record is kept (`KnownServers.locate(serverName)`), e.g. a file path. */
  readonly location: string
}

function short(id: PublicKey): string {
  return `${id.toString()} (fingerprint ${id.fingerprint()})`
}

/**
 * A server known from an earlier connection (trust on first use, `knownServers`) proved a
 * different key than the one on record: someone may be in the middle, or the server's key was
 * replaced. Code `'kp.KnownServerChanged'`; a `HandshakeError` with check `'pin-mismatch'`, so
 * a client never retries it. The message shows both ids, where the record is and what to do.
 *
 * @example
 * ```ts
 * client.on('error', (e) => { if (KnownServerMismatchError.isInstance(e)) alert(e.message) })
 * ```
 */
export class KnownServerMismatchError extends HandshakeError implements KnownServerMismatch {
  readonly serverName: string
  readonly knownId: PublicKey
  readonly seenId: PublicKey
  readonly location: string
  readonly [BRAND] = true

  constructor(m: KnownServerMismatch, options?: KiloErrorOptions) {
    super(
      'pin-mismatch',
      `the known server "${m.serverName}" presented a different key than the one on record.\n` +
        `  on record:      ${short(m.knownId)}\n` +
        `  presented now:  ${short(m.seenId)}\n` +
        `  record kept in: ${m.location}\n` +
        'Someone may be intercepting the connection (a man in the middle), or the server got a new key. ' +
        "Do not connect until you know which: ask the server's operator for its id. " +
        `If the new key is expected, delete the record of "${m.serverName}" (remove its entry from ${m.location}, ` +
        `or call knownServers.forget(${JSON.stringify(m.serverName)})) and connect again: the new id is recorded then.`,
      { ...options, code: 'kp.KnownServerChanged' },
    )
    this.name = 'KnownServerMismatchError'
    this.serverName = m.serverName
    this.knownId = m.knownId
    this.seenId = m.seenId
    this.location = m.location
  }

  static override isInstance(e: unknown): e is KnownServerMismatchError {
    return hasBrand(e, BRAND)
  }
}
