import type { PublicKey, SigningKey } from '@kp/crypto'
import { HandshakeError } from '../errors/handshake-error.js'
import { TransportError } from '../errors/transport-error.js'
import { ClientHandshake } from '../handshake/client-handshake.js'
import { Defaults, FrameType, RejectCode } from '../protocol/constants.js'
import { parseCookie, parseReject } from '../protocol/handshake-frames.js'
import { createSession } from '../rpc/create-session.js'
import type { Session } from '../rpc/session.js'
import type { KiloInterface } from '../rpc/kilo-interface.js'
import type { Transport } from '../transport/transport.js'
import type { Logger } from '../util/logger.js'

/** Settings of one client handshake. @internal */
export interface OpenSessionOptions<S> {
  key: SigningKey | undefined
  serverId: PublicKey | undefined
  iface: KiloInterface<S> | undefined
  session: S
  handshakeTimeoutMs: number
  maxInFlight: number
  callTimeoutMs: number
  logger: Logger
  signal?: AbortSignal | undefined
  /** Ask for reliable datagram mode (ignored on reliable transports, PROTOCOL.md 9). */
  reliable?: boolean
  /** Test hook: a fixed ephemeral secret (handshake vectors). */
  ephemeralSecret?: Uint8Array
  /**
   * Reliable transports: called right after FINISH is sent with the not-yet-ready connection,
   * which may already carry calls (PROTOCOL.md 4.5): the first call saves a round trip.
   */
  onFinishSent?: (connection: Session<S>) => void
  /** Called once when the established connection closes. */
  onClose: (reason: string, error: Error | undefined) => void
}

/**
 * Runs the client side of the handshake on a fresh transport and resolves with the connection
 * once READY has arrived (PROTOCOL.md 4.5). On datagram transports HELLO and FINISH are resent at
 * 250 ms, doubling, until answered. Rejects with `HandshakeError` naming the failed check.
 * @internal
 */
export function openSession<S>(transport: Transport, o: OpenSessionOptions<S>): Promise<Session<S>> {
  return new Promise((resolve, reject) => {
    const arq = !!o.reliable && !transport.reliable
    const hs = new ClientHandshake({ key: o.key, serverId: o.serverId, requestReliable: arq, ...(o.ephemeralSecret ? { ephemeralSecret: o.ephemeralSecret } : {}) })
    let phase: 'welcome' | 'ready' | 'done' = 'welcome'
    let established = false
    let connection: Session<S> | null = null
    let resendFrame: Uint8Array | null = null
    let resendDelay: number = Defaults.helloResendMs
    let resendTimer: ReturnType<typeof setTimeout> | undefined
    /** Datagrams: the last unauthenticated refusal or bad WELCOME, reported if nothing valid comes. */
    let ignored: HandshakeError | null = null

    const cleanup = () => {
      clearTimeout(timer)
      clearTimeout(resendTimer)
      o.signal?.removeEventListener('abort', onAbort)
    }
    const fail = (e: Error) => {
      if (phase === 'done') return
      phase = 'done'
      cleanup()
      if (connection) connection.link.close(e.message, { sendClose: false, error: e, code: 'local' })
      else transport.close(e)
      reject(e)
    }
    const timer = setTimeout(() => {
      // A WELCOME correctly signed by another key needs the HELLO (an on-path peer or the wrong
      // server); when no valid WELCOME came in the whole handshake time, it is the answer.
      if (ignored?.check === 'pin-mismatch') return fail(ignored)
      const why = ignored ? `; ignored an unauthenticated answer: ${ignored.message}` : ''
      fail(new HandshakeError('timeout', `no valid answer from ${transport.remoteAddress} within ${o.handshakeTimeoutMs} ms${why}`, ignored ? { cause: ignored } : undefined))
    }, o.handshakeTimeoutMs)
    const onAbort = () => fail(new HandshakeError('timeout', 'connect aborted', { cause: o.signal?.reason }))
    o.signal?.addEventListener('abort', onAbort, { once: true })

    // Datagram transports: resend the last handshake frame until the next step arrives.
    const sendHandshake = (frame: Uint8Array) => {
      transport.send(frame)
      if (transport.reliable) return
      resendFrame = frame
      resendDelay = Defaults.helloResendMs
      clearTimeout(resendTimer)
      const tick = () => {
        if (phase === 'done' || !resendFrame) return
        transport.send(resendFrame)
        resendDelay = Math.min(resendDelay * 2, Defaults.helloResendMaxMs)
        resendTimer = setTimeout(tick, resendDelay)
      }
      resendTimer = setTimeout(tick, resendDelay)
    }

    const onWelcome = (frame: Uint8Array) => {
      const result = hs.onWelcome(frame) // throws HandshakeError
      // the server proved its key: the transport may take frames up to maxFrame now
      transport.authenticated?.()
      phase = 'ready'
      connection = createSession<S>({
        transport,
        keys: result.keys,
        role: 'client',
        iface: o.iface,
        session: o.session,
        remoteId: result.serverId,
        maxInFlight: o.maxInFlight,
        maxMessage: transport.maxFrame,
        pingIntervalMs: Defaults.pingIntervalMs,
        idleTimeoutMs: Math.max(o.handshakeTimeoutMs, Defaults.idleTimeoutMs),
        callTimeoutMs: o.callTimeoutMs,
        arq,
        logger: o.logger,
        onReady: () => {
          if (phase !== 'ready') return
          phase = 'done'
          established = true
          cleanup()
          transport.established?.()
          resolve(connection!)
          connection!.runConnectedHooks()
        },
        onClose: ({ reason, error, code, peerReason }) => {
          if (phase !== 'done') {
            // a CLOSE in place of READY is the server's refusal (PROTOCOL.md 4.3)
            fail(
              code === 'refused'
                ? new HandshakeError('unauthorized', `the server refused this client (${peerReason}); check the client key and the server's authorization`)
                : new HandshakeError('malformed', `connection ended during the handshake: ${reason}`, { cause: error }),
            )
            return
          }
          if (established) o.onClose(reason, error)
        },
      })
      sendHandshake(result.finish)
      if (transport.reliable) o.onFinishSent?.(connection)
    }

    transport.setHandlers({
      frame(frame) {
        if (phase === 'done' && connection) return connection.link.onFrame(frame)
        const type = frame[0]
        if (phase === 'welcome' && frame.length > Defaults.handshakeFrameMax) {
          // before WELCOME verifies only handshake-sized frames are valid (transports enforce it too)
          if (transport.reliable) fail(new HandshakeError('malformed', `frame of ${frame.length} bytes during the handshake (at most ${Defaults.handshakeFrameMax})`))
          return
        }
        try {
          if (type === FrameType.Reject) {
            const r = parseReject(frame)
            const check = r.code === RejectCode.Busy ? 'busy' : r.code === RejectCode.UnsupportedVersion ? 'unsupported-version' : 'rejected'
            // REJECT is unauthenticated: on datagrams anyone can forge it from the server's address
            throw new HandshakeError(check, `the server rejected the handshake (code ${r.code}): ${r.message}`)
          }
          if (phase === 'welcome') {
            if (type === FrameType.Welcome) return onWelcome(frame)
            if (type === FrameType.Cookie && !transport.reliable) {
              const cookie = parseCookie(frame)
              if (cookie) sendHandshake(hs.applyCookie(cookie))
              return
            }
            if (transport.reliable) return fail(new HandshakeError('malformed', `expected WELCOME, got frame type ${type}`))
            return
          }
          if (phase === 'ready') {
            if (type === FrameType.Record || type === FrameType.Arq) return connection!.link.onFrame(frame)
            if (transport.reliable) return fail(new HandshakeError('malformed', `expected READY, got frame type ${type}`))
          }
        } catch (e) {
          // On datagrams nothing unauthenticated is fatal: a forged REJECT or WELCOME (bad key,
          // low-order key, wrong signature or pin) is ignored while the real answer may still
          // come; the handshake timeout reports it if nothing valid arrives (PROTOCOL.md 8).
          if (!transport.reliable && HandshakeError.isInstance(e)) {
            if (ignored?.check !== 'pin-mismatch') ignored = e
            o.logger.debug?.(`ignored an unauthenticated handshake frame from ${transport.remoteAddress}: ${e.message}`)
            return
          }
          fail(e as Error)
        }
      },
      close(error) {
        if (connection) return connection.link.onTransportClose(error)
        // a transport failure (refused, reset, timed out) is reported as itself, with its code
        if (error && TransportError.isInstance(error)) return fail(error)
        fail(new HandshakeError('rejected', `the connection closed during the handshake${error ? `: ${error.message}` : ''}`, { cause: error }))
      },
    })
    sendHandshake(hs.hello)
  })
}
