import { AeadError, PublicKey, type SigningKey, open, seal, wipe, x25519KeyPair, x25519KeyPairFromSecret, x25519SharedSecret } from '@kp/crypto'
import { HandshakeError } from '../errors/handshake-error.js'
import { encodeWelcome, parseHello } from '../protocol/handshake-frames.js'
import { L_CLIENT_SIG, L_SERVER_SIG } from '../protocol/labels.js'
import { concat } from '../util/bytes.js'
import { FinishFlag, handshakeKeys, type SessionKeys, sessionKeys, transcript2, ZERO_NONCE } from './key-schedule.js'

/** What the server learns from a verified FINISH. */
export interface ServerHandshakeResult {
  keys: SessionKeys
  clientId: PublicKey | null
  reliableRequested: boolean
  /** Resumption asked for (PROTOCOL.md 15): none, a new resumable session, or resuming one. */
  resume: 'none' | 'fresh' | 'resume'
}

/**
 * Server side of PROTOCOL.md 4: answers one HELLO with a WELCOME and verifies the FINISH.
 * Construct with a HELLO that `parseHello` accepted.
 */
export class ServerHandshake {
  readonly welcome: Uint8Array
  private readonly th2: Uint8Array
  private readonly kClientHs: Uint8Array
  private dh: Uint8Array | null

  constructor(
    readonly hello: Uint8Array,
    key: SigningKey,
    ephemeralSecret?: Uint8Array,
  ) {
    const { ephemeral } = parseHello(hello)
    const pair = ephemeralSecret ? x25519KeyPairFromSecret(ephemeralSecret) : x25519KeyPair()
    let dh: Uint8Array
    try {
      dh = x25519SharedSecret(pair.secretKey, ephemeral)
    } catch (e) {
      throw new HandshakeError('low-order-key', 'the client sent a low-order X25519 key', { cause: e })
    } finally {
      wipe(pair.secretKey)
    }
    this.dh = dh
    const hk = handshakeKeys(hello, pair.publicKey, dh)
    const identity = new Uint8Array(96)
    identity.set(key.publicKey.bytes)
    identity.set(key.sign(concat(L_SERVER_SIG, hk.th1)), 32)
    this.welcome = encodeWelcome(pair.publicKey, seal(hk.kServerHs, ZERO_NONCE, identity, hk.th1))
    wipe(hk.kServerHs)
    this.kClientHs = hk.kClientHs
    this.th2 = transcript2(hk.th1, this.welcome)
  }

  /** Opens and verifies FINISH. Throws HandshakeError('malformed' | 'decrypt' | 'bad-signature'). */
  onFinish(finish: Uint8Array): ServerHandshakeResult {
    if (!this.dh) throw new HandshakeError('malformed', 'FINISH after the handshake completed')
    if (finish.length < 1 + 1 + 16) throw new HandshakeError('malformed', `FINISH of ${finish.length} bytes is too short`)
    let payload: Uint8Array
    try {
      payload = open(this.kClientHs, ZERO_NONCE, finish.subarray(1), this.th2)
    } catch (e) {
      if (AeadError.isInstance(e)) throw new HandshakeError('decrypt', 'could not open FINISH (corrupted or forged frame)', { cause: e })
      throw e
    }
    const flags = payload[0]!
    if (flags & ~15) throw new HandshakeError('malformed', `FINISH flags ${flags} have unknown bits set`)
    if ((flags & FinishFlag.Resumable) !== 0 && (flags & FinishFlag.Resume) !== 0)
      throw new HandshakeError('malformed', 'FINISH asks for a new resumable session and a resume at once')
    const resume = flags & FinishFlag.Resumable ? 'fresh' : flags & FinishFlag.Resume ? 'resume' : 'none'
    let clientId: PublicKey | null = null
    if (flags & 1) {
      if (payload.length !== 97) throw new HandshakeError('malformed', `FINISH with identity must hold 97 bytes, got ${payload.length}`)
      clientId = PublicKey.fromBytes(payload.subarray(1, 33))
      if (!clientId.verify(payload.subarray(33, 97), concat(L_CLIENT_SIG, this.th2))) {
        throw new HandshakeError('bad-signature', `the client signature does not verify for client id ${clientId.toString()}`)
      }
    } else if (payload.length !== 1) {
      throw new HandshakeError('malformed', `anonymous FINISH must hold 1 byte, got ${payload.length}`)
    }
    const keys = sessionKeys(this.th2, finish, this.dh, resume !== 'none')
    this.dh = null
    wipe(this.kClientHs)
    return { keys, clientId, reliableRequested: (flags & FinishFlag.Reliable) !== 0, resume }
  }
}
