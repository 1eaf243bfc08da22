import { AeadError, type PublicKey, PublicKey as PK, type SigningKey, open, seal, wipe, type X25519Exchange, x25519Exchange } from '@kp/crypto'
import { HandshakeError } from '../errors/handshake-error.js'
import { encodeFinish, encodeHello, type FrameParseError, parseWelcome } from '../protocol/handshake-frames.js'
import { L_CLIENT_SIG, L_SERVER_SIG } from '../protocol/labels.js'
import { concat } from '../util/bytes.js'
import { FinishFlag, handshakeKeys, type SessionKeys, sessionKeys, transcript2, ZERO_NONCE } from './key-schedule.js'

/** What the client learns when the handshake completes on its side. */
export interface ClientHandshakeResult {
  finish: Uint8Array
  keys: SessionKeys
  serverId: PublicKey
}

/** Settings of a {@link ClientHandshake}. */
export interface ClientHandshakeOptions {
  key?: SigningKey | undefined
  /**
   * Checks the server's proven id right after its signature verified and before FINISH is
   * sent (a pin, a known-servers record); throws `HandshakeError('pin-mismatch')`.
   */
  verifyServer?: ((serverId: PublicKey) => void) | undefined
  requestReliable?: boolean
  /** Resumption (PROTOCOL.md 15): ask for a resumable session, or resume one on this handshake. */
  resume?: 'fresh' | 'resume' | undefined
  /** Test hook: a fixed ephemeral secret (handshake vectors). */
  ephemeralSecret?: Uint8Array
  /** An ephemeral key made ahead (while the transport connects); used instead of a new one. */
  exchange?: Promise<X25519Exchange> | undefined
}

/**
 * Client side of PROTOCOL.md 4: builds HELLO, checks WELCOME, builds FINISH. One use.
 * Asynchronous where the curves are (the ephemeral key, the shared secret, the server's
 * signature), so browsers run them in WebCrypto; the rest is synchronous.
 */
export class ClientHandshake {
  hello: Uint8Array

  private constructor(
    private readonly options: ClientHandshakeOptions,
    private readonly exchange: X25519Exchange,
  ) {
    this.hello = encodeHello(exchange.publicKey)
  }

  /** Makes the ephemeral key (or takes `options.exchange`) and HELLO. */
  static async create(options: ClientHandshakeOptions): Promise<ClientHandshake> {
    const exchange = await (options.exchange ?? x25519Exchange(options.ephemeralSecret))
    return new ClientHandshake(options, exchange)
  }

  /** Rebuilds HELLO with the server's cookie (same ephemeral key, PROTOCOL.md 4.6). */
  applyCookie(cookie: Uint8Array): Uint8Array {
    this.hello = encodeHello(this.exchange.publicKey, cookie)
    return this.hello
  }

  /** Forgets the ephemeral secret (a handshake that ends without {@link onWelcome} succeeding). */
  wipe(): void {
    this.exchange.wipe()
  }

  /**
   * Verifies WELCOME and returns FINISH plus the session keys. Rejects with HandshakeError; the
   * ephemeral key stays usable after a rejection (a forged WELCOME on datagrams is ignored).
   */
  async onWelcome(welcome: Uint8Array): Promise<ClientHandshakeResult> {
    let parsed: { ephemeral: Uint8Array; sealed: Uint8Array }
    try {
      parsed = parseWelcome(welcome)
    } catch (e) {
      const fe = e as FrameParseError
      throw new HandshakeError(fe.reason === 'unsupported-version' ? 'unsupported-version' : 'malformed', fe.message)
    }
    const hello = this.hello
    let dh: Uint8Array
    try {
      dh = await this.exchange.sharedSecret(parsed.ephemeral)
    } catch (e) {
      throw new HandshakeError('low-order-key', 'the server sent a low-order X25519 key', { cause: e })
    }
    const hk = handshakeKeys(hello, parsed.ephemeral, dh)
    let identity: Uint8Array
    try {
      identity = open(hk.kServerHs, ZERO_NONCE, parsed.sealed, hk.th1)
    } catch (e) {
      wipe(dh)
      if (AeadError.isInstance(e))
        throw new HandshakeError('decrypt', 'could not open the server identity in WELCOME (corrupted or forged frame)', { cause: e })
      throw e
    }
    const serverId = PK.fromBytes(identity.subarray(0, 32))
    const sig = identity.subarray(32, 96)
    if (!(await serverId.verifyAsync(sig, concat(L_SERVER_SIG, hk.th1)))) {
      wipe(dh)
      throw new HandshakeError('bad-signature', `the server signature does not verify for server id ${serverId.toString()}`)
    }
    // a server that fails the check never sees FINISH, so it never learns the client's identity
    try {
      this.options.verifyServer?.(serverId)
    } catch (e) {
      wipe(dh)
      throw e
    }
    const th2 = transcript2(hk.th1, welcome)
    const key = this.options.key
    const resume = this.options.resume
    const flags =
      (key ? FinishFlag.Identity : 0) |
      (this.options.requestReliable ? FinishFlag.Reliable : 0) |
      (resume === 'fresh' ? FinishFlag.Resumable : resume === 'resume' ? FinishFlag.Resume : 0)
    let payload: Uint8Array
    if (key) {
      payload = new Uint8Array(1 + 32 + 64)
      payload[0] = flags
      payload.set(key.publicKey.bytes, 1)
      payload.set(key.sign(concat(L_CLIENT_SIG, th2)), 33)
    } else {
      payload = Uint8Array.of(flags)
    }
    const finish = encodeFinish(seal(hk.kClientHs, ZERO_NONCE, payload, th2))
    wipe(hk.kClientHs)
    wipe(hk.kServerHs)
    this.exchange.wipe()
    return { finish, keys: sessionKeys(th2, finish, dh, resume !== undefined), serverId }
  }
}
