// What a peer on the old version of an API sees when the other side appended an optional field
// to a command's struct (same command names, bipack decoding is strict: packages/bipack/README.md
// "Evolving a schema"). Today every direction fails cleanly, with a named error and the
// connection kept: appending a field is a breaking change for that command.
import { SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { bp, command, connect, KiloError, KiloInterface, memoryConnector, memoryListener, RemoteError, serve } from '../src/index.js'

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
  it('a result with the new field: the call fails with kp.BadResult, even when the field is absent', async () => {
    const { c } = client(await newServer())
    const e = await c.call(v1.getUser, 'ann').catch((x: unknown) => x)
    expect(KiloError.isInstance(e)).toBe(true)
    expect((e as KiloError).code).toBe('kp.BadResult')
    expect((e as Error).message).toMatch(/result of 'getUser' does not decode: 1 trailing byte\(s\) after the value/)
    expect(await c.call(v1.ping, undefined)).toBe('pong') // the connection stays up
  })

  it('arguments without the new field: the server answers kp.BadArguments', async () => {
    const { c } = client(await newServer())
    const e = await c.call(v1.setUser, { name: 'ann', age: 30 }).catch((x: unknown) => x)
    expect(RemoteError.isInstance(e)).toBe(true)
    expect((e as RemoteError).code).toBe('kp.BadArguments')
    expect((e as Error).message).toMatch(/arguments of 'setUser' do not decode/)
  })

  it('a push with the new field: dropped before the handler (a debug log line), nothing else', async () => {
    const got: unknown[] = []
    const { c, debug } = client(await newServer(), new KiloInterface().on(v1.notify, (u) => void got.push(u)))
    expect(await c.call(v1.ping, undefined)).toBe('pong') // the push travels before this result
    expect(got).toEqual([])
    expect(debug.some((m) => /push 'notify' arguments do not decode: 1 trailing byte/.test(m))).toBe(true)
  })
})

describe('new client, old server', () => {
  it('arguments with the new field (absent or not): the old server answers kp.BadArguments', async () => {
    const { c } = client(await oldServer())
    for (const u of [{ name: 'ann', age: 30 }, { name: 'ann', age: 30, email: 'a@b' }]) {
      const e = await c.call(v2.setUser, u).catch((x: unknown) => x)
      expect((e as RemoteError).code).toBe('kp.BadArguments')
    }
  })

  it('a result without the new field: the call fails with kp.BadResult', async () => {
    const { c } = client(await oldServer())
    const e = await c.call(v2.getUser, 'ann').catch((x: unknown) => x)
    expect((e as KiloError).code).toBe('kp.BadResult')
  })
})

describe('both on one version', () => {
  it('v2 to v2 round-trips with and without the field', async () => {
    const { c } = client(await newServer())
    expect(await c.call(v2.getUser, 'ann')).toStrictEqual({ name: 'ann', age: 30 })
    expect(await c.call(v2.setUser, { name: 'bob', age: 1, email: 'b@c' })).toBe('stored bob')
  })
})
