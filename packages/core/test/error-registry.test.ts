import * as bp from '@kp/bipack'
import { SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { command, connect, defineError, ErrorRegistry, KiloInterface, memoryConnector, memoryListener, RemoteError, serve } from '../src/index.js'

const key = SigningKey.generate()
const fail = command('fail', bp.unit, bp.unit)
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('error registries are scoped (issue 16)', () => {
  it('two apps in one process may both define NotFound with different payloads; each client re-creates its own class', async () => {
    const appA = new ErrorRegistry()
    const appB = new ErrorRegistry()
    const NotFoundA = defineError('NotFound', bp.struct({ path: bp.string }), { registry: appA })
    const NotFoundB = defineError('NotFound', bp.u32, { registry: appB })
    const make = async (thrown: () => Error, errors: ErrorRegistry) => {
      const l = await memoryListener()
      const s = serve(
        l,
        new KiloInterface().on(fail, () => Promise.reject(thrown())),
        { key, errors },
      )
      cleanups.push(() => s.close())
      const c = connect(memoryConnector(l.address.port), { serverId: key.publicKey, reconnect: false, errors })
      cleanups.push(() => c.close())
      return c
    }
    const a = await make(() => new NotFoundA('no file', { path: '/x' }), appA)
    const b = await make(() => new NotFoundB('no row', 42), appB)
    const ea = await a.call(fail, undefined).catch((e) => e)
    const eb = await b.call(fail, undefined).catch((e) => e)
    expect(NotFoundA.isInstance(ea) && ea.data).toEqual({ path: '/x' })
    expect(eb).toBeInstanceOf(NotFoundB)
    expect(eb.data).toBe(42)
    // a client whose registry does not know the code gets a RemoteError with the raw payload
    const l = await memoryListener()
    const s = serve(
      l,
      new KiloInterface().on(fail, () => Promise.reject(new NotFoundB('no row', 7))),
      { key, errors: appB },
    )
    cleanups.push(() => s.close())
    const stranger = connect(memoryConnector(l.address.port), { serverId: key.publicKey, reconnect: false, errors: new ErrorRegistry() })
    cleanups.push(() => stranger.close())
    const e = await stranger.call(fail, undefined).catch((x) => x)
    expect(RemoteError.isInstance(e) && e.code).toBe('NotFound')
  })
})
