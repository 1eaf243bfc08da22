import { BipackWriter } from '@kp/bipack'
import { SigningKey } from '@kp/crypto'
import { ClientHandshake } from '../../src/handshake/client-handshake.js'
import { ServerHandshake } from '../../src/handshake/server-handshake.js'
import { writeCall, writeReady } from '../../src/protocol/messages.js'
import { RecordSealer } from '../../src/record/record-sealer.js'

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
export const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'))
const seq = (start: number) => Uint8Array.from({ length: 32 }, (_, i) => start + i)

/** The fixed inputs of handshake.json. */
export const vectorInputs = {
  client_seed: hex(seq(0x00)),
  server_seed: hex(seq(0x20)),
  client_ephemeral_secret: hex(seq(0x40)),
  server_ephemeral_secret: hex(seq(0x60)),
}

export const READY_VALUES = { maxMessage: 16 * 1024 * 1024 - 27, pingIntervalMs: 10_000, idleTimeoutMs: 30_000 }

/** Runs a whole handshake from the inputs through the real handshake classes. */
export async function runHandshake(inputs: typeof vectorInputs) {
  const clientKey = SigningKey.fromSeed(unhex(inputs.client_seed))
  const serverKey = SigningKey.fromSeed(unhex(inputs.server_seed))
  const client = await ClientHandshake.create({
    key: clientKey,
    verifyServer: (id) => {
      if (!id.equals(serverKey.publicKey)) throw new Error('pin mismatch in the vectors')
    },
    ephemeralSecret: unhex(inputs.client_ephemeral_secret),
  })
  const hello = client.hello
  const server = new ServerHandshake(hello, serverKey, unhex(inputs.server_ephemeral_secret))
  const welcome = server.welcome
  const c = await client.onWelcome(welcome)
  const s = server.onFinish(c.finish)
  const w = new BipackWriter()
  writeReady(w, READY_VALUES)
  const serverFirst = new RecordSealer(s.keys.s2c).seal(w.toBytes())
  w.reset()
  writeCall(w, 1, 'ping', new BipackWriter().string('hello').toBytes())
  const clientFirst = new RecordSealer(c.keys.c2s).seal(w.toBytes())
  return { clientKey, serverKey, hello, welcome, finish: c.finish, client: c, server: s, serverFirst, clientFirst }
}
