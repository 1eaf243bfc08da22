// What a peer on the old version of an API sees when the other side appended an optional field
// to a command's struct (same command names; packages/bipack/README.md "Evolving a schema").
// Senders leave absent optional fields at the end of a command's struct out of the message, and
// receivers read optional fields missing at the end as absent: while the new field is absent both
// versions interoperate; a message that carries it needs a reader that knows it (decoding stays
// strict, so mismatched schemas are still caught).
import { SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { bp, command, connect, KiloInterface, memoryConnector, memoryListener, type RemoteError, serve } from '../src/index.js'

const UserV1 = bp.struct({ name: bp.string, age: bp.int })
const UserV2 = bp.struct({ name: bp.string, age: bp.int, email: bp.optionalField(bp.string) })
const v1 = {
  getUser: command('getUser', bp.string, UserV1),
  setUser: command('setUser', UserV1, bp.string),
  notify: command('notify', UserV1, bp.unit),
  ping: command('ping', bp.unit, bp.string),
}
const v2 = {
  getUser: command('getUser', bp.string, UserV2),
  setUser: command('setUser', UserV2, bp.string),
  notify: command('notify', UserV2, bp.unit),
  ping: command('ping', bp.unit, bp.string),
}

const key = SigningKey.generate()
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A v2 server: answers both user commands and pushes a v2 `notify` on `ping`. */
async function newServer() {
  const listener = await memoryListener()
  const api = new KiloInterface()
    .on(v2.getUser, (name) => ({ name, age: 30 }))
    .on(v2.setUser, (u) => `stored ${u.name}`)
    .on(v2.ping, (_, ctx) => {
      ctx.push(v2.notify, { name: 'ann', age: 30 })
      return 'pong'
    })
  const server = serve(listener, api, { key })
  cleanups.push(() => server.close())
  return listener.address.port
}

/** A v1 server. */
async function oldServer() {
  const listener = await memoryListener()
  const api = new KiloInterface().on(v1.getUser, (name) => ({ name, age: 30 })).on(v1.setUser, (u) => `stored ${u.name}`)
  const server = serve(listener, api, { key })
  cleanups.push(() => server.close())
  return listener.address.port
}

function client(port: number, iface?: KiloInterface) {
  const debug: string[] = []
  const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false, iface, logger: { debug: (m) => debug.push(m) } })
  cleanups.push(() => c.close())
  return { c, debug }
}

describe('old client, new server (an optional field appended to the User struct)', () => {
  it('a result with the new field absent: the old client reads its own bytes', async () => {
    const { c } = client(await newServer())
    expect(await c.call(v1.getUser, 'ann')).toStrictEqual({ name: 'ann', age: 30 })
  })

  it('arguments without the new field: the new server reads the field as absent', async () => {
    const { c } = client(await newServer())
    expect(await c.call(v1.setUser, { name: 'ann', age: 30 })).toBe('stored ann')
  })

  it('a push with the new field absent: the old client’s handler gets it', async () => {
    const got: unknown[] = []
    const { c } = client(
      await newServer(),
      new KiloInterface().on(v1.notify, (u) => void got.push(u)),
    )
    expect(await c.call(v1.ping, undefined)).toBe('pong') // the push travels before this result
    expect(got).toEqual([{ name: 'ann', age: 30 }])
  })
})

describe('new client, old server', () => {
  it('arguments with the new field absent: the old server reads them; present: kp.BadArguments (upgrade the server first)', async () => {
    const { c } = client(await oldServer())
    expect(await c.call(v2.setUser, { name: 'ann', age: 30 })).toBe('stored ann')
    const e = await c.call(v2.setUser, { name: 'ann', age: 30, email: 'a@b' }).catch((x: unknown) => x)
    expect((e as RemoteError).code).toBe('kp.BadArguments')
  })

  it('a result without the new field: the new client reads it as absent', async () => {
    const { c } = client(await oldServer())
    const u = await c.call(v2.getUser, 'ann')
    expect(u).toStrictEqual({ name: 'ann', age: 30 })
    expect('email' in u).toBe(false)
  })
})

describe('both on one version', () => {
  it('v2 to v2 round-trips with and without the field', async () => {
    const { c } = client(await newServer())
    expect(await c.call(v2.getUser, 'ann')).toStrictEqual({ name: 'ann', age: 30 })
    expect(await c.call(v2.setUser, { name: 'bob', age: 1, email: 'b@c' })).toBe('stored bob')
  })
})
