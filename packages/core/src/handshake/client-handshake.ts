import { AeadError, type PublicKey, PublicKey as PK, type SigningKey, open, seal, wipe, x25519KeyPair, x25519KeyPairFromSecret, x25519SharedSecret } from '@kp/crypto'
import { HandshakeError } from '../errors/handshake-error.js'
import { encodeFinish, encodeHello, type FrameParseError, parseWelcome } from '../protocol/handshake-frames.js'
import { L_CLIENT_SIG, L_SERVER_SIG } from '../protocol/labels.js'
import { concat } from '../util/bytes.js'
import { handshakeKeys, type SessionKeys, sessionKeys, transcript2, ZERO_NONCE } from './key-schedule.js'

/** What the client learns when the handshake completes on its side. */
export interface ClientHandshakeResult {
  finish: Uint8Array
  keys: SessionKeys
  serverId: PublicKey
}

/** Client side of PROTOCOL.md 4: builds HELLO, checks WELCOME, builds FINISH. One use. */
export class ClientHandshake {
  hello: Uint8Array
  private readonly secret: Uint8Array
  private readonly pub: Uint8Array

  constructor(
    private readonly options: {
      key?: SigningKey | undefined
      /**
       * Checks the server's proven id right after its signature verified and before FINISH is
       * sent (a pin, a known-servers record); throws `HandshakeError('pin-mismatch')`.
       */
      verifyServer?: ((serverId: PublicKey) => void) | undefined
      requestReliable?: boolean
      ephemeralSecret?: Uint8Array
    },
  ) {
    const pair = options.ephemeralSecret ? x25519KeyPairFromSecret(options.ephemeralSecret) : x25519KeyPair()
    this.secret = pair.secretKey
    this.pub = pair.publicKey
    this.hello = encodeHello(this.pub)
  }

  /** Rebuilds HELLO with the server's cookie (same ephemeral key, PROTOCOL.md 4.6). */
  applyCookie(cookie: Uint8Array): Uint8Array {
    this.hello = encodeHello(this.pub, cookie)
    return this.hello
  }

  /** Verifies WELCOME and returns FINISH plus the session keys. Throws HandshakeError. */
  onWelcome(welcome: Uint8Array): ClientHandshakeResult {
    let parsed: { ephemeral: Uint8Array; sealed: Uint8Array }
    try {
      parsed = parseWelcome(welcome)
    } catch (e) {
      const fe = e as FrameParseError
      throw new HandshakeError(fe.reason === 'unsupported-version' ? 'unsupported-version' : 'malformed', fe.message)
    }
    let dh: Uint8Array
    try {
      dh = x25519SharedSecret(this.secret, parsed.ephemeral)
    } catch (e) {
      throw new HandshakeError('low-order-key', 'the server sent a low-order X25519 key', { cause: e })
    }
    const hk = handshakeKeys(this.hello, parsed.ephemeral, dh)
    let identity: Uint8Array
    try {
      identity = open(hk.kServerHs, ZERO_NONCE, parsed.sealed, hk.th1)
    } catch (e) {
      if (AeadError.isInstance(e)) throw new HandshakeError('decrypt', 'could not open the server identity in WELCOME (corrupted or forged frame)', { cause: e })
      throw e
    }
    const serverId = PK.fromBytes(identity.subarray(0, 32))
    const sig = identity.subarray(32, 96)
    if (!serverId.verify(sig, concat(L_SERVER_SIG, hk.th1))) {
      throw new HandshakeError('bad-signature', `the server signature does not verify for server id ${serverId.toString()}`)
    }
    // a server that fails the check never sees FINISH, so it never learns the client's identity
    this.options.verifyServer?.(serverId)
    const th2 = transcript2(hk.th1, welcome)
    const key = this.options.key
    const flags = (key ? 1 : 0) | (this.options.requestReliable ? 2 : 0)
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
    wipe(this.secret)
    return { finish, keys: sessionKeys(th2, finish, dh), serverId }
  }
}
