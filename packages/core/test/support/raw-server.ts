import { BipackWriter } from '@kp/bipack'
import type { SigningKey } from '@kp/crypto'
import { ServerHandshake } from '../../src/handshake/server-handshake.js'
import { FrameType } from '../../src/protocol/constants.js'
import { readMessages } from '../../src/protocol/messages.js'
import { RecordOpener } from '../../src/record/record-opener.js'
import { RecordSealer } from '../../src/record/record-sealer.js'
import { memoryListener } from '../../src/transport/memory-listener.js'
import type { Transport, TransportListener } from '../../src/transport/transport.js'

/** One session of a hand-driven server: the hostile server of client-side tests. */
export interface RawServerSession {
  transport: Transport
  /** Kinds of the messages received from the client, in order. */
  kinds: number[]
  /** Seals one record holding what `write` writes and sends it. */
  record(write: (w: BipackWriter) => void): void
}

/**
 * A memory listener that answers HELLO with a real WELCOME, verifies FINISH and then hands the
 * session to `onSession` without sending READY: the test decides what the client gets.
 */
export async function rawServer(key: SigningKey, onSession: (s: RawServerSession) => void): Promise<TransportListener> {
  const listener = await memoryListener()
  listener.onConnection((transport) => {
    let hs: ServerHandshake | null = null
    let opener: RecordOpener | null = null
    const kinds: number[] = []
    const count = (k: number) => () => void kinds.push(k)
    const sink = {
      ready: count(0),
      call: count(1),
      push: count(2),
      result: count(3),
      error: count(4),
      cancel: count(5),
      ping: count(6),
      pong: count(7),
      close: count(8),
      open: count(9),
      item: count(10),
      credit: count(11),
      end: count(12),
      fail: count(13),
      stop: count(14),
    }
    transport.setHandlers({
      frame(frame) {
        if (frame[0] === FrameType.Hello && !hs) {
          hs = new ServerHandshake(frame, key)
          transport.send(hs.welcome)
          return
        }
        if (frame[0] === FrameType.Finish && hs && !opener) {
          const r = hs.onFinish(frame)
          transport.authenticated?.()
          opener = new RecordOpener(r.keys.c2s, transport.reliable)
          const sealer = new RecordSealer(r.keys.s2c)
          onSession({
            transport,
            kinds,
            record(write) {
              const w = new BipackWriter(64)
              write(w)
              transport.send(sealer.seal(w.toBytes(), FrameType.Record))
            },
          })
          return
        }
        if (frame[0] === FrameType.Record && opener) {
          const p = opener.open(frame)
          if (p) readMessages(p, sink)
        }
      },
      close() {},
    })
  })
  return listener
}
