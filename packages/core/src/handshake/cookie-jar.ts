import { constantTimeEqual, kdf, randomBytes } from '@kp/crypto'
import { Defaults } from '../protocol/constants.js'

const COOKIE_SIZE = 16
const encoder = new TextEncoder()

/**
 * Stateless HELLO cookies for datagram transports (PROTOCOL.md 4.6):
 * `cookie = first 16 bytes of KDF(secret, address ‖ port ‖ e_c_pub)`. The address and port are
 * taken as the transport's `remoteAddress` text (`"host:port"`); only this server ever checks
 * its own cookies, so the exact encoding is local. The secret rotates every 120 s and the
 * previous one is still accepted.
 */
export class CookieJar {
  private current = randomBytes(32)
  private previous: Uint8Array | null = null
  private rotatedAt: number

  constructor(
    private readonly rotateMs: number = Defaults.cookieRotateMs,
    private readonly now: () => number = Date.now,
  ) {
    this.rotatedAt = now()
  }

  private rotate(): void {
    const t = this.now()
    if (t - this.rotatedAt < this.rotateMs) return
    // Two rotations missed: the previous secret is too old as well.
    this.previous = t - this.rotatedAt < 2 * this.rotateMs ? this.current : null
    this.current = randomBytes(32)
    this.rotatedAt = t
  }

  /** The cookie for this address and client ephemeral key. */
  issue(remoteAddress: string, ephemeral: Uint8Array): Uint8Array {
    this.rotate()
    return make(this.current, remoteAddress, ephemeral)
  }

  /** True if `cookie` was issued by this jar (current or previous secret) for this address and key. */
  verify(remoteAddress: string, ephemeral: Uint8Array, cookie: Uint8Array): boolean {
    if (cookie.length !== COOKIE_SIZE) return false
    this.rotate()
    if (constantTimeEqual(make(this.current, remoteAddress, ephemeral), cookie)) return true
    return this.previous !== null && constantTimeEqual(make(this.previous, remoteAddress, ephemeral), cookie)
  }
}

function make(secret: Uint8Array, remoteAddress: string, ephemeral: Uint8Array): Uint8Array {
  return kdf(secret, encoder.encode(remoteAddress), ephemeral).subarray(0, COOKIE_SIZE)
}
