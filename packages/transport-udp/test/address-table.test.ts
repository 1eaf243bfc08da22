import { describe, expect, it } from 'vitest'
import { AddressTable, NEW } from '../src/address-table.js'

class Fake {
  closedWith: Error | undefined | null = null
  constructor(readonly name: string) {}
  close(error?: Error) {
    if (this.closedWith === null) this.closedWith = error
  }
}

let seq = 0
function hello(): Uint8Array {
  const h = new Uint8Array(256)
  h[0] = 1
  h[1] = 4
  new DataView(h.buffer).setUint32(2, ++seq)
  return h
}
const frame = (type: number, len = 40) => {
  const f = new Uint8Array(len)
  f[0] = type
  return f
}
const RECORD = frame(4)
const ARQ = frame(7)
const FINISH = frame(3, 114)

function table(maxPending = 100, maxTransports = 1000, maxPendingPerAddress = 4) {
  return new AddressTable<Fake>({ maxPending, maxTransports, maxPendingPerAddress })
}

/** Adds a transport for `h` from `key` the way the listener does. */
function open(t: AddressTable<Fake>, key: string, h: Uint8Array, name: string) {
  expect(t.route(key, h)).toBe(NEW)
  const f = new Fake(name)
  return { f, slot: t.add(key, h, f) }
}

describe('AddressTable routing', () => {
  it('accepts only a HELLO from an unknown address, counting the rest', () => {
    const t = table()
    for (const type of [0, 2, 3, 4, 5, 6, 7, 8, 255]) expect(t.route('a:1', frame(type))).toBeNull()
    expect(t.route('a:1', new Uint8Array(0))).toBeNull()
    expect(t.stats.foreignDatagrams).toBe(10)
    expect(t.route('a:1', hello())).toBe(NEW)
    expect(t.size).toBe(0)
  })

  it('sends records, ARQ, FINISH and repeats of the HELLO to the address transport', () => {
    const t = table()
    const h = hello()
    const { f } = open(t, 'a:1', h, 'first')
    expect(t.route('a:1', h.slice())).toBe(f) // a resent HELLO: core answers with its cached WELCOME
    expect(t.route('a:1', FINISH)).toBe(f)
    expect(t.route('a:1', RECORD)).toBe(f)
    expect(t.route('a:1', ARQ)).toBe(f)
    expect(t.route('b:1', RECORD)).toBeNull() // other port, other session
    expect(t.route('a:2', RECORD)).toBeNull()
    expect(t.size).toBe(1)
    expect(t.pending).toBe(1)
  })

  it('drops types a client never sends from a known address', () => {
    const t = table()
    const { f } = open(t, 'a:1', hello(), 'x')
    for (const type of [0, 2, 5, 6, 8, 9, 200]) expect(t.route('a:1', frame(type))).toBeNull()
    expect(t.route('a:1', new Uint8Array(0))).toBeNull()
    expect(t.stats.unexpectedDatagrams).toBe(8)
    expect(f.closedWith).toBeNull()
  })

  it('drops a repeat of the HELLO of an established session (late duplicate or replay)', () => {
    const t = table()
    const h = hello()
    const { f, slot } = open(t, 'a:1', h, 'x')
    t.established(slot)
    expect(t.pending).toBe(0)
    expect(t.route('a:1', h)).toBeNull()
    expect(t.stats.staleHellos).toBe(1)
    expect(t.route('a:1', RECORD)).toBe(f)
  })

  it('runs a second handshake beside an established session and promotes it only when established', () => {
    const t = table()
    const h1 = hello()
    const h2 = hello()
    const one = open(t, 'a:1', h1, 'one')
    t.established(one.slot)
    const two = open(t, 'a:1', h2, 'two')
    expect(t.size).toBe(2)
    expect(t.pending).toBe(1)
    expect(t.addresses).toBe(1)
    // the established session keeps its records; the new handshake gets its own frames
    expect(t.route('a:1', RECORD)).toBe(one.f)
    expect(t.route('a:1', ARQ)).toBe(one.f)
    // FINISH: the new handshake's, and the session's too (it resends READY for a repeat of its own)
    expect(t.route('a:1', FINISH)).toEqual([one.f, two.f])
    expect(t.route('a:1', h2)).toBe(two.f)
    expect(t.route('a:1', h1)).toBeNull()
    // a spoofed HELLO that never completes leaves the session alone
    expect(one.f.closedWith).toBeNull()
    t.established(two.slot)
    expect(one.f.closedWith).toMatchObject({ name: 'TransportError', code: 'kp.Replaced' })
    expect(String(one.f.closedWith)).toMatch(/replaced by a new handshake from the same address/)
    t.remove(one.slot) // the closed transport reports back: a no-op
    expect(t.route('a:1', RECORD)).toBe(two.f)
    expect(t.route('a:1', FINISH)).toBe(two.f)
    expect(t.size).toBe(1)
    expect(t.pending).toBe(0)
  })

  it('keeps up to maxPendingPerAddress handshakes beside a session: newer HELLOs are dropped, the older kept', () => {
    const t = table(100, 1000, 3)
    const one = open(t, 'a:1', hello(), 'one')
    t.established(one.slot)
    const pending = [open(t, 'a:1', hello(), 'two'), open(t, 'a:1', hello(), 'three'), open(t, 'a:1', hello(), 'four')]
    expect(t.route('a:1', hello())).toBeNull()
    expect(t.stats.droppedHellos).toBe(1)
    for (const p of pending) expect(p.f.closedWith).toBeNull()
    expect(one.f.closedWith).toBeNull()
    // a FINISH goes to the session and every handshake in progress: the one whose keys open it proceeds
    expect(t.route('a:1', FINISH)).toEqual([one.f, ...pending.map((p) => p.f)])
    expect(t.size).toBe(4)
    expect(t.pending).toBe(3)
    // the one that completes replaces the session; the others stay until they time out in core
    t.established(pending[1]!.slot)
    expect(one.f.closedWith).toMatchObject({ code: 'kp.Replaced' })
    expect(pending[0]!.f.closedWith).toBeNull()
    expect(t.route('a:1', RECORD)).toBe(pending[1]!.f)
    expect(t.route('a:1', FINISH)).toEqual([pending[1]!.f, pending[0]!.f, pending[2]!.f])
    t.remove(pending[0]!.slot)
    t.remove(pending[2]!.slot)
    expect(t.route('a:1', FINISH)).toBe(pending[1]!.f)
    expect(t.size).toBe(1)
  })

  it('a FINISH reaches both an unfinished first handshake and a HELLO spoofed beside it', () => {
    const t = table()
    const victim = open(t, 'a:1', hello(), 'victim')
    const spoofed = open(t, 'a:1', hello(), 'spoofed')
    expect(t.route('a:1', FINISH)).toEqual([victim.f, spoofed.f])
    t.established(victim.slot)
    expect(spoofed.f.closedWith).toBeNull()
    expect(t.route('a:1', RECORD)).toBe(victim.f)
  })

  it('a stale pending handshake that closes (core handshake timeout) leaves the session in place', () => {
    const t = table()
    const one = open(t, 'a:1', hello(), 'one')
    t.established(one.slot)
    const two = open(t, 'a:1', hello(), 'two')
    two.f.close()
    t.remove(two.slot)
    expect(t.route('a:1', FINISH)).toBe(one.f)
    expect(t.size).toBe(1)
    expect(t.pending).toBe(0)
    t.established(two.slot) // late call on a removed slot: ignored
    expect(one.f.closedWith).toBeNull()
  })

  it('when the current session closes, a pending handshake becomes the address transport', () => {
    const t = table()
    const one = open(t, 'a:1', hello(), 'one')
    t.established(one.slot)
    const two = open(t, 'a:1', hello(), 'two')
    t.remove(one.slot)
    expect(t.route('a:1', RECORD)).toBe(two.f)
    t.established(two.slot)
    expect(t.pending).toBe(0)
    t.remove(two.slot)
    expect(t.size).toBe(0)
    expect(t.addresses).toBe(0)
    expect(t.route('a:1', RECORD)).toBeNull()
  })

  it('a second different HELLO during an unfinished first handshake runs beside it', () => {
    const t = table()
    const h1 = hello()
    const one = open(t, 'a:1', h1, 'one')
    const two = open(t, 'a:1', hello(), 'two')
    expect(t.route('a:1', h1)).toBe(one.f)
    expect(t.pending).toBe(2)
    // the first completes: it stays, the other may still replace it by completing later
    t.established(one.slot)
    expect(t.pending).toBe(1)
    expect(t.route('a:1', RECORD)).toBe(one.f)
    t.established(two.slot)
    expect(one.f.closedWith).toMatchObject({ code: 'kp.Replaced' })
  })

  it('bounds handshakes in progress and transports overall', () => {
    const t = table(3, 5)
    const slots = [0, 1, 2].map((i) => open(t, `a:${i}`, hello(), `p${i}`))
    expect(t.route('a:9', hello())).toBeNull()
    expect(t.stats.droppedHellos).toBe(1)
    for (const s of slots) t.established(s.slot)
    open(t, 'a:3', hello(), 'p3')
    open(t, 'a:4', hello(), 'p4')
    expect(t.size).toBe(5)
    expect(t.route('a:5', hello())).toBeNull()
    expect(t.route('a:0', hello())).toBeNull() // a second handshake counts too
    expect(t.stats.droppedHellos).toBe(3)
    t.remove(slots[0]!.slot)
    expect(t.route('a:5', hello())).toBe(NEW)
    expect([...t.transports()].map((f) => f.name).sort()).toEqual(['p1', 'p2', 'p3', 'p4'])
  })

  it('keeps its own copy of the HELLO (the frame belongs to core after delivery)', () => {
    const t = table()
    const h = hello()
    const { f } = open(t, 'a:1', h, 'x')
    const copy = h.slice()
    h.fill(0)
    expect(t.route('a:1', copy)).toBe(f)
  })
})
