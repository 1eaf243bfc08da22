// A client without a KiloInterface serves nothing: the server's calls to it are answered at
// once with kp.UnknownCommand, its pushes dropped, and nothing is kept (NoIncomingCalls). The
// handler machinery (IncomingCalls) comes only with a KiloInterface.
import * as bp from '@kp/bipack'
import { SigningKey } from '@kp/crypto'
import { afterEach, expect, it } from 'vitest'
import { command, connect, ErrorCode, type KiloError, KiloInterface, memoryConnector, memoryListener, serve } from '../src/index.js'
import type { Session } from '../src/rpc/session.js'
import { NoIncomingCalls } from '../src/rpc/no-incoming-calls.js'

const key = SigningKey.generate()
const onClient = command('client.show', bp.string, bp.string)
const ask = command('ask', bp.u32, bp.list(bp.string))
const tell = command('tell', bp.u32, bp.unit)
const echo = command('echo', bp.string, bp.string)
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup(clientIface?: KiloInterface) {
  const iface = new KiloInterface()
    .on(echo, (s) => s)
    // asks the client `n` times at once; each answer (or error) as text
    .on(ask, async (n, ctx) => {
      const all = await Promise.allSettled(Array.from({ length: n }, (_, i) => ctx.call(onClient, `q${i}`)))
      return all.map((r) => (r.status === 'fulfilled' ? r.value : `${(r.reason as KiloError).code}: ${(r.reason as Error).message}`))
    })
    .on(tell, (n, ctx) => {
      for (let i = 0; i < n; i++) ctx.push(onClient, `p${i}`)
    })
  const l = await memoryListener()
  const s = serve(l, iface, { key })
  cleanups.push(() => s.close())
  const c = connect(memoryConnector(l.address.port), { serverId: key.publicKey, reconnect: false, ...(clientIface ? { iface: clientIface } : {}) })
  cleanups.push(() => c.close())
  await c.ready()
  return { s, c }
}

it("a client without a KiloInterface answers the server's calls with kp.UnknownCommand at once, however many", async () => {
  const { c } = await setup()
  const session = (c as unknown as { connection: Session<unknown> }).connection
  expect((session as unknown as { incoming: unknown }).incoming).toBeInstanceOf(NoIncomingCalls)
  // more than maxInFlight (default 256): nothing waits, so nothing is refused as busy
  const answers = await c.call(ask, 600)
  expect(answers).toHaveLength(600)
  expect(new Set(answers)).toEqual(new Set([`${ErrorCode.UnknownCommand}: unknown command 'client.show'`]))
  expect(await c.call(echo, 'still here')).toBe('still here')
})

it("a client without a KiloInterface drops the server's pushes and goes on", async () => {
  const { c } = await setup()
  await c.call(tell, 100)
  expect(await c.call(echo, 'after the pushes')).toBe('after the pushes')
  expect(c.state).toBe('connected')
})

it('a client with a KiloInterface runs its handlers as before', async () => {
  const shown: string[] = []
  const { c } = await setup(
    new KiloInterface().on(onClient, (s) => {
      shown.push(s)
      return s.toUpperCase()
    }),
  )
  expect(await c.call(ask, 3)).toEqual(['Q0', 'Q1', 'Q2'])
  await c.call(tell, 2)
  await c.call(echo, 'flush')
  expect(shown).toEqual(['q0', 'q1', 'q2', 'p0', 'p1'])
})
