// Type tests for the RPC API: compiled by `tsc --noEmit` (the `typecheck` script, part of
// `pnpm test`), never run. Each `@ts-expect-error` must meet an error on the line below it, or
// tsc fails. The calls that must fail are split over lines on purpose: the error has to land on
// the handler or the argument (where `NoInfer` puts it), not on the command.
import {
  type ArgsOf,
  bp,
  type CallContext,
  type Command,
  command,
  connect,
  defineError,
  KiloInterface,
  type KiloServer,
  memoryConnector,
  memoryListener,
  type ResultOf,
  serve,
  SigningKey,
} from '@kp/core'
import { expectTypeOf } from 'vitest'

const User = bp.struct({ name: bp.string, age: bp.int })
type User = bp.Infer<typeof User>
const cmdGetUser = command('getUser', bp.string, User)
const cmdSetUser = command('setUser', User, bp.unit)
const cmdColor = command('color', bp.unit, bp.enumOf(['red', 'green']))
const Shape = bp.union({ circle: bp.struct({ r: bp.f64 }), square: bp.struct({ side: bp.u16 }) })
const cmdShape = command('shape', bp.unit, Shape)
const cmdCount = command('count', bp.unit, bp.int)
const cmdHeard = command('heard', bp.string, bp.unit)
const Profile = bp.struct({ name: bp.string, nick: bp.optionalField(bp.string) })
const cmdProfile = command('profile', Profile, Profile)
const partialUser = { name: 'ann' }

// ---------------------------------------------------------------- command()

expectTypeOf(cmdGetUser).toEqualTypeOf<Command<string, { name: string; age: number }>>()
expectTypeOf(cmdColor).toEqualTypeOf<Command<undefined, 'red' | 'green'>>()
expectTypeOf<ArgsOf<typeof cmdSetUser>>().toEqualTypeOf<User>()
expectTypeOf<ResultOf<typeof cmdGetUser>>().toEqualTypeOf<User>()
expectTypeOf<ResultOf<typeof cmdProfile>>().toEqualTypeOf<{ name: string; nick?: string | undefined }>()
// @ts-expect-error: a Command is invariant: its result schema also has `age`
export const narrowed: Command<string, { name: string }> = cmdGetUser
// @ts-expect-error: the result is not a schema
command('bad', bp.string, 'string')

// ---------------------------------------------------------------- KiloInterface.on

interface Session {
  count: number
}
const api = new KiloInterface<Session>()
  .on(cmdGetUser, (name, ctx) => {
    expectTypeOf(name).toEqualTypeOf<string>()
    expectTypeOf(ctx).toEqualTypeOf<CallContext<Session>>()
    return { name, age: ctx.session.count }
  })
  .on(cmdGetUser, async (name) => ({ name, age: 1 }))
  .on(cmdSetUser, (user) => {
    expectTypeOf(user).toEqualTypeOf<User>()
  })
  .on(cmdHeard, (text) => console.log(text)) // a `bp.unit` result: returning nothing (void) is fine
  .on(cmdColor, () => 'red')
  .on(cmdColor, async () => 'green' as const) // async + bare literal needs `as const` (TypeScript #30185)
  .on(cmdShape, () => ({ type: 'circle', value: { r: 1 } }))
  .on(cmdShape, async () => ({ type: 'square', value: { side: 2 } }))
  .on(cmdProfile, (p) => ({ name: p.name })) // an optional field left out
  .on(cmdProfile, (p: { name: string }) => p) // a handler may take less than the command sends
expectTypeOf(api).toEqualTypeOf<KiloInterface<Session>>()

new KiloInterface().on(
  cmdGetUser,
  // @ts-expect-error: the result misses `age`
  () => ({ name: 'ann' }),
)
new KiloInterface().on(
  cmdGetUser,
  // @ts-expect-error: an async result that misses `age`
  async (name) => ({ name }),
)
new KiloInterface().on(
  cmdGetUser,
  // @ts-expect-error: a variable that misses `age`
  () => partialUser,
)
new KiloInterface().on(
  cmdSetUser,
  // @ts-expect-error: the handler wants a field the command does not send
  (user: { name: string; age: number; email: string }) => console.log(user),
)
new KiloInterface().on(
  cmdColor,
  // @ts-expect-error: not one of the enum's values
  () => 'blue',
)
new KiloInterface().on(
  cmdShape,
  // @ts-expect-error: the body of another variant
  () => ({ type: 'circle', value: { side: 1 } }),
)
new KiloInterface().on(
  cmdCount,
  // @ts-expect-error: an `int` result: the handler must return one
  (_, ctx) => ctx.close(),
)
new KiloInterface<Session>().on(
  cmdCount,
  // @ts-expect-error: the session has no `missing`
  (_, ctx) => ctx.session.missing,
)

// ---------------------------------------------------------------- call, push (client)

export async function clientSide(): Promise<void> {
  const client = connect(memoryConnector(1))
  expectTypeOf(client.call(cmdGetUser, 'ann')).toEqualTypeOf<Promise<User>>()
  expectTypeOf(client.call(cmdColor, undefined)).toEqualTypeOf<Promise<'red' | 'green'>>()
  expectTypeOf(client.call(cmdShape, undefined)).toEqualTypeOf<Promise<bp.Infer<typeof Shape>>>()
  expectTypeOf(client.call(cmdProfile, { name: 'ann' })).toEqualTypeOf<Promise<{ name: string; nick?: string | undefined }>>()
  await client.call(cmdSetUser, { name: 'ann', age: 3 })
  const user = { name: 'ann', age: 3, extra: true } // a variable with more fields is a User
  await client.call(cmdSetUser, user, { timeoutMs: 100 })
  await client.call(
    cmdSetUser,
    // @ts-expect-error: a variable that misses `age`
    partialUser,
  )
  await client.call(
    cmdSetUser,
    // @ts-expect-error: a literal that misses `age`
    { name: 'ann' },
  )
  await client.call(
    cmdProfile,
    // @ts-expect-error: a present optional field keeps its type
    { name: 'ann', nick: 1 },
  )
  // @ts-expect-error: the result is a User, not a string
  const wrong: string = await client.call(cmdGetUser, 'ann')

  expectTypeOf(client.push(cmdHeard, 'hi')).toEqualTypeOf<void>()
  client.push(cmdSetUser, user)
  client.push(
    cmdSetUser,
    // @ts-expect-error: a variable that misses `age`
    partialUser,
  )
  client.push(
    cmdHeard,
    // @ts-expect-error: not a string
    5,
  )
  await client.close()
  console.log(wrong)
}

// ---------------------------------------------------------------- ctx.call, ctx.push (in a handler)

new KiloInterface<Session>().on(cmdGetUser, async (name, ctx) => {
  const color = await ctx.call(cmdColor, undefined)
  expectTypeOf(color).toEqualTypeOf<'red' | 'green'>()
  expectTypeOf(ctx.call(cmdGetUser, name)).toEqualTypeOf<Promise<User>>()
  ctx.push(cmdHeard, `${name} is ${color}`)
  await ctx.call(
    cmdSetUser,
    // @ts-expect-error: a variable that misses `age`
    partialUser,
  )
  ctx.push(
    cmdSetUser,
    // @ts-expect-error: a variable that misses `age`
    partialUser,
  )
  return { name, age: ctx.session.count }
})

// ---------------------------------------------------------------- defineError

const NotFoundError = defineError('NotFound')
const QuotaError = defineError('Quota', bp.struct({ limit: bp.int }))
export const errors = [
  new NotFoundError('gone'),
  new QuotaError('too many', { limit: 10 }),
  // @ts-expect-error: NotFound carries no data
  new NotFoundError('gone', 1),
  // @ts-expect-error: Quota needs its data
  new QuotaError('too many'),
  // @ts-expect-error: the data misses `limit`
  new QuotaError('too many', {}),
  // @ts-expect-error: a variable of another shape
  new QuotaError('too many', partialUser),
]
export function caught(e: unknown): number {
  if (NotFoundError.isInstance(e)) expectTypeOf(e.data).toEqualTypeOf<undefined>()
  if (QuotaError.isInstance(e)) {
    expectTypeOf(e.data).toEqualTypeOf<{ limit: number }>()
    return e.data.limit
  }
  return 0
}
expectTypeOf(QuotaError.dataSchema).toEqualTypeOf<bp.Schema<{ limit: number }> | null>()
// @ts-expect-error: an explicit data type must match the schema (it also has `used`)
defineError<{ limit: number }>('Quota2', bp.struct({ limit: bp.int, used: bp.int }))

// ---------------------------------------------------------------- serve() and a handler that uses `server`

export async function serverSide(): Promise<void> {
  const key = SigningKey.generate()
  const listener = await memoryListener()

  // A handler that uses `server` in statements (a broadcast) type-checks as is.
  const server = serve(
    listener,
    new KiloInterface().on(cmdHeard, (text) => {
      for (const s of server.sessions()) s.push(cmdHeard, text)
    }),
    { key },
  )
  expectTypeOf(server).toEqualTypeOf<KiloServer<unknown>>()

  // A handler whose *result* is computed from `server` makes TypeScript compute the type of
  // `server` from itself: TS7022 under `strict`, `server` would be `any`.
  // biome-ignore format: the @ts-expect-error below must stay on the line of the error
  // @ts-expect-error: TS7022 / TS7024: annotate as below
  const circular = serve(listener, new KiloInterface().on(cmdCount, () => circular.sessionCount), { key })

  // Fix 1: annotate the server.
  const counted: KiloServer<Session> = serve(
    listener,
    new KiloInterface<Session>().on(cmdCount, () => counted.sessionCount),
    { key, session: () => ({ count: 0 }) },
  )
  // Fix 2: annotate the handler's return type.
  const counted2 = serve(
    listener,
    new KiloInterface().on(cmdCount, (): number => counted2.sessionCount),
    { key },
  )
  expectTypeOf(counted2).toEqualTypeOf<KiloServer<unknown>>()

  await Promise.all([server.close(), circular.close(), counted.close(), counted2.close()])
}
