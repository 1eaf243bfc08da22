import { BipackWriter } from '@kp/bipack'
import type { PublicKey } from '@kp/crypto'
import { ClientHandshake } from '../../src/handshake/client-handshake.js'
import { FrameType } from '../../src/protocol/constants.js'
import { RecordOpener } from '../../src/record/record-opener.js'
import { RecordSealer } from '../../src/record/record-sealer.js'
import { memoryConnector } from '../../src/transport/memory-listener.js'
import type { Transport } from '../../src/transport/transport.js'

/**
 * A client that runs a real handshake by hand and then sends whatever records a test builds:
 * the hostile peer of the tests (duplicate ids, messages before READY, limits ignored).
 */
export interface RawPeer {
  transport: Transport
  /** Frames received after FINISH, opened when they are records. */
  plaintexts: Uint8Array[]
  /** RECORD frames received, opened or not (a datagram repeat is dropped by the replay window). */
  recordFrames: () => number
  /** Resolves with the close error (or undefined) when the transport closes. */
  closed: Promise<Error | undefined>
  /** Seals one record holding what `write` writes and sends it. */
  record(write: (w: BipackWriter) => void): void
  /** Resolves once `n` plaintexts arrived (or rejects after `ms`). */
  waitPlaintexts(n: number, ms?: number): Promise<void>
}

/** Runs HELLO/WELCOME/FINISH on `transport` and returns at once after FINISH (no wait for READY). */
export async function rawPeer(transport: Transport, options: { serverId?: PublicKey; reliable?: boolean } = {}): Promise<RawPeer> {
  const pin = options.serverId
  const hs = await ClientHandshake.create({
    verifyServer: (id) => {
      if (pin && !pin.equals(id)) throw new Error('pin mismatch')
    },
    requestReliable: options.reliable ?? false,
  })
  return new Promise((resolve, reject) => {
    let sealer: RecordSealer | null = null
    let opener: RecordOpener | null = null
    let done!: (e: Error | undefined) => void
    const closed = new Promise<Error | undefined>((r) => (done = r))
    const plaintexts: Uint8Array[] = []
    let recordFrames = 0
    let welcomed = false
    let waiters: (() => void)[] = []
    transport.setHandlers({
      frame(frame) {
        if (!sealer) {
          if (frame[0] !== FrameType.Welcome) return reject(new Error(`expected WELCOME, got type ${frame[0]}`))
          if (welcomed) return
          welcomed = true
          hs.onWelcome(frame).then((r) => {
            transport.authenticated?.()
            sealer = new RecordSealer(r.keys.c2s)
            opener = new RecordOpener(r.keys.s2c, transport.reliable)
            transport.send(r.finish)
            resolve(peer)
          }, reject)
          return
        }
        if (frame[0] === FrameType.Record) {
          recordFrames++
          const p = opener!.open(frame)
          if (p) plaintexts.push(p.slice())
          const ws = waiters
          waiters = []
          for (const w of ws) w()
        }
      },
      close(e) {
        done(e)
        reject(e ?? new Error('closed during the handshake'))
        for (const w of waiters) w()
      },
    })
    const peer: RawPeer = {
      transport,
      plaintexts,
      recordFrames: () => recordFrames,
      closed,
      record(write) {
        const w = new BipackWriter(256)
        write(w)
        transport.send(sealer!.seal(w.toBytes(), FrameType.Record))
      },
      waitPlaintexts(n, ms = 2000) {
        return new Promise((res, rej) => {
          const t = setTimeout(() => rej(new Error(`only ${plaintexts.length} of ${n} records arrived within ${ms} ms`)), ms)
          const check = () => {
            if (plaintexts.length >= n) {
              clearTimeout(t)
              res()
            } else waiters.push(check)
          }
          check()
        })
      },
    }
    transport.send(hs.hello)
  })
}

/** Connects to a memory listener's port and runs {@link rawPeer}. */
export async function rawMemoryPeer(port: number, options?: { serverId?: PublicKey }): Promise<RawPeer> {
  return rawPeer(await memoryConnector(port)(), options)
}
