// The README example, runnable: pnpm --filter @kp/core example
import { bp, command, connect, defineError, KiloInterface, memoryConnector, memoryListener, serve, SigningKey } from '@kp/core'

// api.ts — shared by server and client
const Foo = bp.struct({ text: bp.string, number: bp.int })
export const cmdSetFoo = command('setFoo', Foo, bp.unit)
export const cmdGetFoo = command('getFoo', bp.unit, Foo)
export const cmdPushClient = command('pushClient', bp.string, bp.unit) // server → client
export const NotFoundError = defineError('NotFound')

// server
class Session { foo: bp.Infer<typeof Foo> | null = null }
const api = new KiloInterface<Session>()
  .on(cmdGetFoo, (_, ctx) => {
    if (!ctx.session.foo) throw new NotFoundError('foo is not yet set')
    return ctx.session.foo
  })
  .on(cmdSetFoo, async (foo, ctx) => {
    ctx.session.foo = foo
    await ctx.call(cmdPushClient, `stored ${foo.text}`) // calls go both ways
  })
const key = SigningKey.generate()                      // keep it: clients pin key.publicKey
const listener = await memoryListener()
const server = serve(listener, api, { key, session: () => new Session() })

// client
const client = connect(memoryConnector(listener.address.port), {
  serverId: key.publicKey,                             // the handshake fails on any other key
  iface: new KiloInterface().on(cmdPushClient, (text) => console.log('server says', text)),
})
client.on('state', (s) => console.log('state', s))
try {
  await client.call(cmdGetFoo, undefined)
} catch (e) {
  console.log(NotFoundError.isInstance(e), (e as Error).message)  // true 'foo is not yet set'
}
await client.call(cmdSetFoo, { text: 'bar', number: 117 })
console.log(await client.call(cmdGetFoo, undefined))
await client.close()
await server.close()
