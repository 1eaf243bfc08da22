import * as bp from '@kp/bipack'
import { SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  command,
  connect,
  consoleLogger,
  ErrorCode,
  KiloInterface,
  type Logger,
  MessageTooLargeError,
  memoryConnector,
  memoryListener,
  RemoteError,
  serve,
  type ServeOptions,
} from '../src/index.js'

const key = SigningKey.generate()
const boom = command('boom', bp.string, bp.string)
const outer = command('outer', bp.string, bp.string)
const inner = command('inner', bp.string, bp.string)
const big = command('big', bp.u32, bp.bytes)
const note = command('note', bp.bytes, bp.unit)
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup(iface: KiloInterface, opts: Partial<ServeOptions<unknown>> = {}, clientIface?: KiloInterface, reliable = true) {
  const l = await memoryListener({ reliable })
  const s = serve(l, iface, { key, ...opts })
  cleanups.push(() => s.close())
  const c = connect(memoryConnector(l.address.port), { serverId: key.publicKey, reconnect: false, ...(clientIface ? { iface: clientIface } : {}) })
  cleanups.push(() => c.close())
  await c.ready()
  return { s, c }
}

describe('failures are visible and named (issue 15, section 5)', () => {
  it('a handler that throws is logged on the server by default: a warning with the command, the peer and the stack', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { c } = await setup(
      new KiloInterface().on(boom, () => {
        throw new Error('kaput')
      }),
    )
    const e = await c.call(boom, 'x').catch((x) => x)
    expect(RemoteError.isInstance(e) && e.code).toBe(ErrorCode.Internal)
    const line = warn.mock.calls.map((a) => String(a[0])).find((m) => m.includes("handler of 'boom'"))
    expect(line).toMatch(/^\[kp\] handler of 'boom' failed \(peer memory:\d+\): Error: kaput\n\s+at /)
  })

  it('a logger the user passes replaces the console; silentLogger prints nothing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const lines: string[] = []
    const logger: Logger = { warn: (m) => lines.push(m) }
    const { c } = await setup(
      new KiloInterface().on(boom, () => {
        throw new Error('kaput')
      }),
      { logger },
    )
    await c.call(boom, 'x').catch(() => {})
    expect(lines.some((l) => l.includes("handler of 'boom' failed"))).toBe(true)
    expect(warn).not.toHaveBeenCalled()
  })

  it('a nested call’s failure does not pass for the outer call’s: the caller learns the server’s call to it failed', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const server = new KiloInterface().on(outer, async (text, ctx) => await ctx.call(inner, text))
    // the client answers nothing: the server's nested call gets kp.UnknownCommand from the client
    const { c } = await setup(server, {}, new KiloInterface())
    const e = await c.call(outer, 'x').catch((x) => x)
    expect(RemoteError.isInstance(e)).toBe(true)
    expect(e.code).toBe(ErrorCode.NestedCall)
    expect(e.message).toMatch(/the handler of 'outer' called its peer, and that call failed: kp.UnknownCommand: unknown command 'inner'/)
  })

  it('a result over the caller’s limit reaches the caller as kp.MessageTooLarge, not kp.Internal', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { c } = await setup(
      new KiloInterface().on(big, (n) => new Uint8Array(n)),
      {},
      undefined,
      false,
    )
    const e = await c.call(big, 70_000).catch((x) => x)
    expect(RemoteError.isInstance(e) && e.code).toBe(ErrorCode.MessageTooLarge)
    expect(e.message).toMatch(/result of 'big' of \d+ bytes exceeds the limit of \d+ bytes; return less per call/)
  })

  it('an oversized message on plain datagrams suggests reliable mode or a stream transport, not raising a limit', async () => {
    const { c } = await setup(
      new KiloInterface().on(note, () => undefined),
      {},
      undefined,
      false,
    )
    const e = await c.call(note, new Uint8Array(70_000)).catch((x) => x)
    expect(MessageTooLargeError.isInstance(e)).toBe(true)
    expect(e.message).toMatch(/connect with \{ reliable: true \}.*or use TCP or WebSocket/)
    expect(() => c.push(note, new Uint8Array(70_000))).toThrow(/reliable: true/)
  })

  it("consoleLogger('[kp]') prints its prefix once", () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {})
    consoleLogger('[kp]').info?.('hello')
    consoleLogger('app').info?.('hi')
    expect(info.mock.calls.map((a) => a[0])).toEqual(['[kp] hello', '[app] hi'])
  })
})
