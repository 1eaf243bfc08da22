import * as bp from '@kp/bipack'
import { SigningKey } from '@kp/crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { command, connect, KiloInterface, type KiloClient, memoryConnector, memoryListener, type SessionContext, serve } from '../src/index.js'

const key = SigningKey.generate()
const news = command('news', bp.string, bp.unit)
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function clients(port: number, n: number, onNews?: (text: string) => void): Promise<KiloClient[]> {
  const all: KiloClient[] = []
  for (let i = 0; i < n; i++) {
    const iface = new KiloInterface().on(news, (t) => onNews?.(t))
    const c = connect(memoryConnector(port), { serverId: key.publicKey, reconnect: false, iface })
    cleanups.push(() => c.close())
    await c.ready()
    all.push(c)
  }
  return all
}

describe('KiloServer', () => {
  it('emits session and sessionClosed for code that tracks sessions', async () => {
    const l = await memoryListener()
    const s = serve(l, new KiloInterface(), { key })
    cleanups.push(() => s.close())
    const opened: SessionContext<unknown>[] = []
    const closed: string[] = []
    s.on('session', (ctx) => opened.push(ctx))
    s.on('sessionClosed', (_ctx, reason) => closed.push(reason))
    const [c] = await clients(l.address.port, 1)
    expect(opened).toHaveLength(1)
    expect(s.sessionCount).toBe(1)
    expect([...s.sessions()]).toEqual(opened)
    await c!.close()
    for (let i = 0; i < 100 && closed.length === 0; i++) await new Promise((r) => setTimeout(r, 5))
    expect(closed).toEqual(['closed by peer: client closed'])
    expect(s.sessionCount).toBe(0)
  })

  it('pushAll encodes the arguments once for every session, and honours the filter', async () => {
    const l = await memoryListener()
    const s = serve(l, new KiloInterface(), { key })
    cleanups.push(() => s.close())
    const got: string[] = []
    await clients(l.address.port, 5, (t) => got.push(t))
    const encode = vi.spyOn(news.args, 'encode')
    const write = vi.spyOn(news.args, 'write')
    expect(s.pushAll(news, 'hello all')).toBe(5)
    expect(encode).toHaveBeenCalledTimes(1)
    expect(write.mock.calls.length).toBeLessThanOrEqual(1)
    let first = true
    expect(s.pushAll(news, 'only one', () => (first ? !(first = false) : false))).toBe(1)
    for (let i = 0; i < 100 && got.length < 6; i++) await new Promise((r) => setTimeout(r, 5))
    expect(got.sort()).toEqual(['hello all', 'hello all', 'hello all', 'hello all', 'hello all', 'only one'])
  })

  it('close() sends CLOSE to every session and resolves when all are gone', async () => {
    const l = await memoryListener()
    const s = serve(l, new KiloInterface(), { key })
    const cs = await clients(l.address.port, 3)
    const reasons: string[] = []
    for (const c of cs) c.on('disconnected', (r) => reasons.push(r))
    await s.close()
    expect(s.sessionCount).toBe(0)
    for (let i = 0; i < 100 && reasons.length < 3; i++) await new Promise((r) => setTimeout(r, 5))
    expect(reasons).toEqual(['closed by peer: server closing', 'closed by peer: server closing', 'closed by peer: server closing'])
  })
})
