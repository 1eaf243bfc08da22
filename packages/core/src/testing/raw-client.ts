import { HandshakeError } from '../errors/handshake-error.js'
import { aead, counterNonce, type PublicKey, type SigningKey } from '@kp/crypto'
import { ArqEngine } from '../arq/engine.js'
import { ClientHandshake } from '../handshake/client-handshake.js'
import type { SessionKeys } from '../handshake/key-schedule.js'
import { Defaults, FrameType, RECORD_OVERHEAD } from '../protocol/constants.js'
import { parseCookie } from '../protocol/handshake-frames.js'
import { type MessageSink, type ReadyInfo, readMessages, writeCall, writeClose, writePong, ignoreStreamMessages } from '../protocol/messages.js'
import { RecordOpener } from '../record/record-opener.js'
import { RecordSealer } from '../record/record-sealer.js'
import { echoArgs, plaintext } from './hostile-messages.js'
import type { FuzzRandom } from './fuzz-random.js'
import type { RawLink } from './raw-link.js'

/** How a {@link RawClient} handshake ended. */
export type RawHandshakeOutcome = 'ready' | 'finished' | 'rejected' | 'closed' | 'timeout' | 'bad-welcome' | 'refused'

/** Options of {@link RawClient}. */
export interface RawClientOptions {
  /** Seeds the ephemeral key (reproducible HELLOs). */
  rng: FuzzRandom
  /** Datagram transports: ask for reliable datagram mode (PROTOCOL.md 9). */
  arq?: boolean
  /** Client identity (absent: anonymous). */
  key?: SigningKey
  /** Set FINISH's reliable-mode bit whatever the transport (a reliable transport must refuse it). */
  requestReliable?: boolean
  /** Pin (absent: accept any server key). */
  serverId?: PublicKey
}

/** Ids of the probe calls: above what hostile sequences use, so a probe never reuses a hostile id. */
const PROBE_BASE = 1_000_000_000

/**
 * A hostile client: completes a real handshake with core's {@link ClientHandshake} (or stops
 * anywhere in it), then sends arbitrary authenticated records sealed with {@link RecordSealer},
 * or ARQ frames in reliable datagram mode. It reads what the server sends back (READY, RESULT,
 * ERROR, CALL, CLOSE) without ever trusting it to be well formed.
 */
export class RawClient {
  /** The handshake state, made at the start of {@link handshake} (its key exchange is async). */
  private hsMade: ClientHandshake | null = null
  readonly ephemeralSecret: Uint8Array
  welcome: Uint8Array | null = null
  finish: Uint8Array | null = null
  keys: SessionKeys | null = null
  sealer: RecordSealer | null = null
  private opener: RecordOpener | null = null
  /** Reliable datagram mode engine, once the handshake has produced keys. */
  arq: ArqEngine | null = null
  private arqTimer: ReturnType<typeof setTimeout> | undefined
  /** The last sealed frame sent, RECORD or ARQ (for replays). */
  lastRecord: Uint8Array | null = null
  /** The last ARQ payload the engine sent (for duplicates under a new counter). */
  lastArqPayload: Uint8Array | null = null
  private arqTimerAt = Number.POSITIVE_INFINITY

  // what the server sent
  ready: ReadyInfo | null = null
  readonly results = new Map<number, Uint8Array>()
  readonly errors = new Map<number, { code: string; message: string }>()
  /** CALLs from the server (bounded). */
  readonly calls: { id: number; command: string; args: Uint8Array }[] = []
  pushes = 0
  pings = 0
  pongs = 0
  closeReason: string | null = null
  /** Server records that did not open or did not decode here. */
  badRecords = 0
  /** The server sent a message before READY. */
  beforeReady = 0
  private probes = 0
  /** Scratch for a hostile sequence (e.g. how many early calls went past a limit). */
  earlyExtra = 0

  private readonly sink: MessageSink = {
    ...ignoreStreamMessages,
    ready: (r) => {
      this.ready = r
    },
    call: (id, command, args) => {
      if (this.calls.length < 1024) this.calls.push({ id, command, args: args.slice() })
    },
    push: () => {
      this.pushes++
    },
    result: (id, value) => {
      if (this.results.size < 100_000) this.results.set(id, value.slice())
    },
    error: (id, code, message) => {
      if (this.errors.size < 100_000) this.errors.set(id, { code, message: message.slice(0, 200) })
    },
    cancel: () => {},
    ping: () => {
      this.pings++
    },
    pong: () => {
      this.pongs++
    },
    close: (reason) => {
      this.closeReason = reason.slice(0, 200)
    },
  }

  constructor(
    readonly link: RawLink,
    readonly options: RawClientOptions,
  ) {
    this.ephemeralSecret = options.rng.bytes(32)
  }

  private get hs(): ClientHandshake {
    if (!this.hsMade) throw new Error('RawClient: the handshake has not started')
    return this.hsMade
  }

  /** The HELLO this client sends (with a cookie once the server asked for one); after `handshake` started. */
  get hello(): Uint8Array {
    return this.hs.hello
  }

  /** True in reliable datagram mode. */
  get arqMode(): boolean {
    return !!this.options.arq && !this.link.reliable
  }

  /**
   * Runs the handshake. `early` plaintexts are sealed and sent right behind FINISH (before READY
   * arrives); with `waitReady: false` it returns as soon as FINISH is out. Datagram transports:
   * HELLO and FINISH are resent until answered, like core's client.
   */
  async handshake(o: {
    timeoutMs: number
    waitReady?: boolean
    early?: Uint8Array[]
    finish?: (welcome: Uint8Array) => Uint8Array | null
  }): Promise<RawHandshakeOutcome> {
    const link = this.link
    const end = Date.now() + o.timeoutMs
    const options = this.options
    this.hsMade ??= await ClientHandshake.create({
      key: options.key,
      verifyServer: (id) => {
        if (options.serverId && !options.serverId.equals(id)) throw new HandshakeError('pin-mismatch', `server id ${id.toString()} is not the pinned one`)
      },
      requestReliable: options.requestReliable ?? (!!options.arq && !link.reliable),
      ephemeralSecret: this.ephemeralSecret.slice(),
    })
    let resend: Uint8Array = this.hs.hello
    let resendMs: number = Defaults.helloResendMs
    if (!link.send(resend)) return 'refused'
    for (;;) {
      const left = end - Date.now()
      if (left <= 0) return 'timeout'
      const f = await link.next(link.reliable ? left : Math.min(left, resendMs))
      if (f === null) {
        if (link.closed) return 'closed'
        if (!link.reliable && Date.now() < end) {
          link.send(resend)
          resendMs = Math.min(resendMs * 2, Defaults.helloResendMaxMs)
        }
        continue
      }
      const type = f[0]
      if (type === FrameType.Reject) return 'rejected'
      if (this.keys === null) {
        if (type === FrameType.Cookie && !link.reliable) {
          const cookie = parseCookie(f)
          if (cookie) link.send((resend = this.hs.applyCookie(cookie)))
          continue
        }
        if (type !== FrameType.Welcome) continue
        let finish: Uint8Array
        try {
          const r = await this.hs.onWelcome(f)
          finish = r.finish
          this.setKeys(r.keys)
        } catch {
          if (link.reliable) return 'bad-welcome'
          continue
        }
        this.welcome = f
        this.finish = finish
        link.transport.authenticated?.()
        const sent = o.finish ? o.finish(f) : finish
        if (sent === null) return 'finished'
        link.send((resend = sent))
        resendMs = Defaults.helloResendMs
        for (const p of o.early ?? []) this.send(p)
        if (o.waitReady === false) return 'finished'
        continue
      }
      if (type === FrameType.Record || type === FrameType.Arq) {
        this.onServerFrame(f)
        if (this.ready) return 'ready'
        if (this.closeReason !== null) return 'closed'
      }
    }
  }

  private setKeys(keys: SessionKeys): void {
    this.keys = keys
    this.sealer = new RecordSealer(keys.c2s)
    this.opener = new RecordOpener(keys.s2c, this.link.reliable)
    if (this.arqMode) {
      this.arq = new ArqEngine({
        now: () => performance.now(),
        output: (payload) => {
          this.lastArqPayload = payload.slice()
          this.link.send((this.lastRecord = this.sealer!.seal(payload, FrameType.Arq)))
        },
        mtu: Math.min(this.link.transport.maxFrame, Defaults.arqDatagram) - RECORD_OVERHEAD,
        deadLinkMs: 10_000,
      })
    }
  }

  /** Handles one frame from the server after WELCOME. */
  onServerFrame(f: Uint8Array): void {
    const opener = this.opener
    if (!opener) return
    const type = f[0]
    if (type !== FrameType.Record && type !== FrameType.Arq) return
    let p: Uint8Array | null
    try {
      p = opener.open(f)
    } catch {
      this.badRecords++
      return
    }
    if (p === null) return
    const messages: readonly Uint8Array[] = this.arq && type === FrameType.Arq ? this.arqInput(p) : [p]
    for (const m of messages) {
      try {
        if (this.ready === null && m[0] !== 0 && m[0] !== 8 << 2) this.beforeReady++
        readMessages(m, this.sink)
      } catch {
        this.badRecords++
      }
    }
  }

  private arqInput(payload: Uint8Array): readonly Uint8Array[] {
    let out: readonly Uint8Array[] = []
    try {
      out = this.arq!.input(payload)
    } catch {
      this.badRecords++
    }
    this.arqFlush()
    return out
  }

  private arqFlush(): void {
    const arq = this.arq!
    arq.flush()
    if (this.link.closed) return
    const at = arq.nextTimerAt()
    if (at === null || (this.arqTimer !== undefined && at >= this.arqTimerAt)) return
    if (this.arqTimer !== undefined) clearTimeout(this.arqTimer)
    this.arqTimerAt = at
    this.arqTimer = setTimeout(
      () => {
        this.arqTimer = undefined
        this.arqTimerAt = Number.POSITIVE_INFINITY
        if (this.link.closed) return
        arq.onTimer()
        this.arqFlush()
      },
      Math.max(0, at - performance.now()),
    )
  }

  /** Drains what arrived. */
  pump(): void {
    const inbox = this.link.inbox
    while (inbox.length > 0) this.onServerFrame(inbox.shift()!)
  }

  /** Waits until `done()` holds (true), the link closes or `ms` pass (false). */
  async until(done: () => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms
    for (;;) {
      this.pump()
      if (done()) return true
      if (this.link.closed || Date.now() >= end) return false
      await this.link.wait(Math.min(50, end - Date.now()))
    }
  }

  /**
   * Seals and sends one plaintext: a RECORD, or one ARQ message in reliable datagram mode.
   * Returns false if it could not be sent (closed, refused, too large for the ARQ engine).
   */
  send(p: Uint8Array): boolean {
    if (!this.sealer) return false
    if (this.arq) {
      try {
        this.arq.send(p)
      } catch {
        return false
      }
      this.arqFlush()
      return true
    }
    const frame = this.sealer.seal(p)
    this.lastRecord = frame
    return this.link.send(frame)
  }

  /** Seals `p` with an arbitrary counter (a frame the sealer would never make), type RECORD or ARQ. */
  sealAt(counter: number, p: Uint8Array, type: number = FrameType.Record): Uint8Array {
    const sealed = aead(this.keys!.c2s).seal(counterNonce(counter, new Uint8Array(12)), p)
    const header = plaintext((w) => w.u8(type).unsigned(counter))
    const out = new Uint8Array(header.length + sealed.length)
    out.set(header)
    out.set(sealed, header.length)
    return out
  }

  /** Seals one raw ARQ payload (any bytes) with the next counter and sends it. */
  sendArqPayload(payload: Uint8Array): boolean {
    if (!this.sealer) return false
    return this.link.send(this.sealer.seal(payload, FrameType.Arq))
  }

  /** Calls `echo` with an id no hostile sequence uses and waits up to `ms` for its answer. */
  async probe(ms: number): Promise<'answered' | 'no-answer' | 'closed'> {
    const id = PROBE_BASE + this.probes++
    if (!this.send(plaintext((w) => writeCall(w, id, 'echo', echoArgs('probe'))))) return this.link.closed ? 'closed' : 'no-answer'
    const ok = await this.until(() => this.results.has(id) || this.errors.has(id) || this.closeReason !== null, ms)
    if (ok && (this.results.has(id) || this.errors.has(id))) return 'answered'
    return this.link.closed || this.closeReason !== null ? 'closed' : 'no-answer'
  }

  /** Answers every PING the server sent so far (keeps a datagram session alive). */
  answerPings(): void {
    for (; this.pings > 0; this.pings--) this.send(plaintext(writePong))
  }

  /** Sends CLOSE (best effort), then closes the link. */
  end(sendClose: boolean): void {
    if (sendClose && this.sealer && !this.link.closed) this.send(plaintext((w) => writeClose(w, 'fuzz done')))
    this.dispose()
  }

  /** Stops timers and closes the link. */
  dispose(): void {
    if (this.arqTimer !== undefined) clearTimeout(this.arqTimer)
    this.arqTimer = undefined
    if (this.arq) {
      // an ARQ CLOSE must leave before the link closes: one flush is all it gets
      try {
        this.arq.flush()
      } catch {}
    }
    this.link.close()
  }
}
