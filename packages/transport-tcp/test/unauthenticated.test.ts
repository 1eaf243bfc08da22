import { MemoryBudget, TransportError } from '@kp/core'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeFrame, headerSize, writeHeader } from '../src/frame-encoder.js'
import { BYTES_PER_TURN, FRAMES_PER_TURN } from '../src/socket-transport.js'
import { filled, pair, probe, rawSocket, socketClosed, type TestListener, testListener } from './helpers.js'

let open: TestListener[] = []
afterEach(async () => {
  await Promise.all(open.map((l) => l.close()))
  open = []
})
async function listen(options: Parameters<typeof testListener>[0] = {}) {
  const l = await testListener(options)
  open.push(l)
  return l
}

const gc = () => (globalThis as { gc?: () => void }).gc?.()
const MiB = 1024 * 1024

describe('what an anonymous peer can make a TCP server hold', () => {
  it('64 connections each declaring a 4 MiB frame before the handshake are closed with kp.FrameTooLarge, nothing allocated', async () => {
    const l = await listen()
    // the header of a 4 MiB frame and its first 60 KiB (built without allocating 4 MiB here)
    const header = new Uint8Array(headerSize(4 * MiB))
    writeHeader(header, 0, 4 * MiB)
    const start = Buffer.concat([header, new Uint8Array(60 * 1024)])
    gc()
    const before = process.memoryUsage()
    const sockets = await Promise.all(Array.from({ length: 64 }, () => rawSocket(l.port)))
    const servers = await Promise.all(sockets.map(() => l.accepted()))
    const probes = servers.map((t) => probe(t, undefined, false))
    for (const s of sockets) s.write(start)
    const errors = await Promise.all(probes.map((p) => p.closed))
    const after = process.memoryUsage()
    for (const e of errors) {
      expect(TransportError.isInstance(e) && e.code).toBe('kp.FrameTooLarge')
      expect(String(e)).toMatch(/4194304 bytes .* exceeds the limit of 512 bytes/)
    }
    await Promise.all(sockets.map(socketClosed))
    // 64 × 4 MiB = 256 MiB if each body were allocated on its header
    const grew = (k: 'rss' | 'arrayBuffers') => (after[k] - before[k]) / MiB
    expect(grew('arrayBuffers')).toBeLessThan(8)
    expect(grew('rss')).toBeLessThan(32)
    console.log(`64 × 4 MiB declared before the handshake: rss +${grew('rss').toFixed(1)} MiB, arrayBuffers +${grew('arrayBuffers').toFixed(1)} MiB`)
  })

  it('a burst of many small frames is handed over in several turns of the event loop', async () => {
    const l = await listen()
    const socket = await rawSocket(l.port)
    let turn = 0
    let ticking = true
    const tick = () => {
      turn++
      if (ticking) setImmediate(tick)
    }
    const turns: number[] = []
    const server = probe(await l.accepted(), () => turns.push(turn))
    const n = 10_000
    socket.write(Buffer.concat(Array.from({ length: n }, (_, i) => encodeFrame(new Uint8Array([i & 255, 1])))))
    setImmediate(tick)
    await server.frameCount(n)
    ticking = false
    // no turn handed over more than the allowance, so the burst took several turns
    const perTurn = new Map<number, number>()
    for (const t of turns) perTurn.set(t, (perTurn.get(t) ?? 0) + 1)
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(FRAMES_PER_TURN)
    expect(perTurn.size).toBeGreaterThanOrEqual(Math.ceil(n / FRAMES_PER_TURN))
    expect(server.frames.map((f) => f[0])).toEqual(Array.from({ length: n }, (_, i) => i & 255))
    expect(BYTES_PER_TURN).toBe(4 * MiB)
    socket.destroy()
  })

  it('peers that do not read share one memory budget: the one that crosses it is closed, the others and a good client go on', async () => {
    // each peer holds 2 MiB to 2.25 MiB: three fit in 7 MiB, the fourth crosses it
    const budget = new MemoryBudget(7 * MiB)
    const l = await listen({ maxFrame: 256 * 1024, maxBuffered: 64 * MiB, memoryBudget: budget })
    const good = await pair(l, {}, true)
    const sockets = await Promise.all(Array.from({ length: 4 }, () => rawSocket(l.port)))
    for (const s of sockets) s.pause() // never read
    const peers = await Promise.all(sockets.map(() => l.accepted().then((t) => probe(t))))
    const frame = filled(256 * 1024, 1)
    // each peer is sent data until 2 MiB wait in its transport (the kernel's buffers fill first)
    for (const p of peers) {
      for (let i = 0; i < 2000 && p.closes.length === 0 && p.transport.bufferedAmount < 2 * MiB; i++) {
        p.transport.send(frame)
        if (i % 4 === 3) await new Promise((r) => setImmediate(r))
      }
    }
    await new Promise((r) => setTimeout(r, 20))
    const closed = peers.filter((p) => p.closes.length > 0)
    expect(closed).toHaveLength(1)
    expect(closed[0]).toBe(peers[3])
    expect((closed[0]!.closes[0] as TransportError).code).toBe('kp.MemoryBudget')
    expect(budget.used).toBeLessThanOrEqual(budget.limit)
    expect(budget.used).toBeGreaterThan(3 * (2 * MiB - 64 * 1024) - 1)
    // the good connection still works, and a closed peer gives its share back
    good.client.transport.send(new Uint8Array([9]))
    expect((await good.client.frameCount(1))[0]![0]).toBe(9)
    const used = budget.used
    peers[0]!.transport.close()
    expect(budget.used).toBeLessThan(used - MiB)
    for (const s of sockets) s.destroy()
  })
})
