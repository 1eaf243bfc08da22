import type { SigningKey } from '@kp/crypto'
import type { SessionKeys } from '../handshake/key-schedule.js'
import { ServerHandshake } from '../handshake/server-handshake.js'
import { FrameType, HELLO_SIZE } from '../protocol/constants.js'
import { type MessageSink, type ReadyInfo, readMessages, writeReady, writeResult, ignoreStreamMessages } from '../protocol/messages.js'
import { RecordOpener } from '../record/record-opener.js'
import { RecordSealer } from '../record/record-sealer.js'
import { plaintext } from './hostile-messages.js'
import type { RawLink } from './raw-link.js'

/**
 * A hostile server for fuzzing clients: answers a real HELLO with core's {@link ServerHandshake}
 * (or with anything else), opens the client's FINISH, then seals whatever records it is told to
 * with {@link RecordSealer}: odd READY values, CLOSE before READY, answers to calls never made.
 * It reads the client's records (CALLs, PINGs, CLOSE) without trusting them.
 */
export class RawServer {
  hello: Uint8Array | null = null
  hs: ServerHandshake | null = null
  keys: SessionKeys | null = null
  sealer: RecordSealer | null = null
  private opener: RecordOpener | null = null
  /** The client asked for reliable datagram mode in FINISH. */
  reliableRequested = false

  // what the client sent
  readonly calls: { id: number; command: string; args: Uint8Array }[] = []
  readonly results = new Map<number, Uint8Array>()
  pings = 0
  pongs = 0
  pushes = 0
  cancels = 0
  closeReason: string | null = null
  /** Client records that did not open or did not decode. */
  badRecords = 0

  private readonly sink: MessageSink = {
    ...ignoreStreamMessages,
    ready: () => {
      this.badRecords++
    },
    call: (id, command, args) => {
      if (this.calls.length < 4096) this.calls.push({ id, command, args: args.slice() })
    },
    push: () => {
      this.pushes++
    },
    result: (id, value) => {
      if (this.results.size < 4096) this.results.set(id, value.slice())
    },
    error: () => {},
    cancel: () => {
      this.cancels++
    },
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
    readonly key: SigningKey,
  ) {}

  /** Waits for a HELLO-sized HELLO frame; null after `ms` or on close. */
  async awaitHello(ms: number): Promise<Uint8Array | null> {
    const end = Date.now() + ms
    for (;;) {
      const f = await this.link.next(end - Date.now())
      if (f === null) return null
      if (f[0] === FrameType.Hello && f.length === HELLO_SIZE) return (this.hello = f)
    }
  }

  /** Answers the HELLO with a real WELCOME signed by `key` (or by `signer`: a key the client did not pin). */
  welcome(signer: SigningKey = this.key): Uint8Array | null {
    try {
      this.hs = new ServerHandshake(this.hello!, signer)
    } catch {
      return null
    }
    this.link.send(this.hs.welcome)
    return this.hs.welcome
  }

  /**
   * Waits for a FINISH that verifies and derives the session keys (datagrams: a repeated HELLO
   * gets the WELCOME again). False after `ms`, on close, or when FINISH does not verify.
   */
  async awaitFinish(ms: number): Promise<boolean> {
    const end = Date.now() + ms
    for (;;) {
      const f = await this.link.next(end - Date.now())
      if (f === null) return false
      if (f[0] === FrameType.Hello && !this.link.reliable && this.hs) {
        this.link.send(this.hs.welcome)
        continue
      }
      if (f[0] !== FrameType.Finish || !this.hs) continue
      try {
        const r = this.hs.onFinish(f)
        this.keys = r.keys
        this.reliableRequested = r.reliableRequested
      } catch {
        return false
      }
      this.link.transport.authenticated?.()
      this.sealer = new RecordSealer(this.keys.s2c)
      this.opener = new RecordOpener(this.keys.c2s, this.link.reliable)
      return true
    }
  }

  /** Seals and sends one plaintext as a RECORD. */
  send(p: Uint8Array): boolean {
    if (!this.sealer) return false
    return this.link.send(this.sealer.seal(p))
  }

  /** Sends READY with the given values. */
  ready(info: ReadyInfo): boolean {
    return this.send(plaintext((w) => writeReady(w, info)))
  }

  /** Handles what arrived from the client. */
  pump(): void {
    const inbox = this.link.inbox
    while (inbox.length > 0) {
      const f = inbox.shift()!
      if (!this.opener || (f[0] !== FrameType.Record && f[0] !== FrameType.Arq)) continue
      let p: Uint8Array | null
      try {
        p = this.opener.open(f)
      } catch {
        this.badRecords++
        continue
      }
      if (p === null) continue
      try {
        readMessages(p, this.sink)
      } catch {
        this.badRecords++
      }
    }
  }

  /**
   * For `ms`: answers every `echo` CALL of the client with its argument (others with nothing),
   * so a client behind odd READY values can still be seen working.
   */
  async serveEcho(ms: number): Promise<void> {
    const end = Date.now() + ms
    let answered = 0
    while (Date.now() < end && !this.link.closed) {
      this.pump()
      const batch = this.calls.slice(answered)
      answered = this.calls.length
      const echo = batch.filter((c) => c.command === 'echo')
      if (echo.length > 0) {
        this.send(
          plaintext((w) => {
            for (const c of echo) writeResult(w, c.id, c.args)
          }),
        )
      }
      await this.link.wait(Math.min(20, end - Date.now()))
    }
  }
}
