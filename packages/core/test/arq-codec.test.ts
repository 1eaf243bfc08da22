import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ArqDecodeError, ArqEngine, type ArqSegment, decodeArqPayload, encodeArqPayload } from '../src/arq/index.js'
import { KiloError } from '../src/errors/kilo-error.js'

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => Number.parseInt(h, 16))

const segment: fc.Arbitrary<ArqSegment> = fc.oneof(
  fc.record({
    type: fc.constant('push' as const),
    sn: fc.oneof(fc.nat(100), fc.nat(), fc.maxSafeNat()),
    ts: fc.nat({ max: 0xffffffff }),
    frg: fc.nat(254),
    data: fc.uint8Array({ maxLength: 300 }),
  }),
  fc.record({
    type: fc.constant('ack' as const),
    sn: fc.oneof(fc.nat(100), fc.maxSafeNat()),
    ts: fc.nat({ max: 0xffffffff }),
  }),
  fc.constant({ type: 'wask' as const }),
  fc.constant({ type: 'wins' as const }),
)

describe('ARQ payload codec (PROTOCOL.md 9)', () => {
  it('encodes the documented layout', () => {
    const bytes = encodeArqPayload({
      una: 64,
      wnd: 128,
      segments: [{ type: 'push', sn: 1, ts: 0x01020304, frg: 0, data: hex('abcd') }, { type: 'ack', sn: 64000, ts: 7 }, { type: 'wask' }, { type: 'wins' }],
    })
    // una=64 → 01 01; wnd=128 → 01 02; PUSH 01 ‖ sn 04 ‖ ts ‖ frg 00 ‖ len 08 ‖ ab cd;
    // ACK 02 ‖ sn 02 e8 03 ‖ ts 00000007; WASK 03; WINS 04
    expect(bytes).toEqual(hex('0101010201040102030400' + '08abcd' + '0202e80300000007' + '03' + '04'))
  })

  it('round-trips any payload', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.nat(65535), fc.array(segment, { maxLength: 20 }), (una, wnd, segments) => {
        const bytes = encodeArqPayload({ una, wnd, segments })
        expect(decodeArqPayload(bytes)).toEqual({ una, wnd, segments })
      }),
    )
  })

  it('refuses malformed payloads with ArqDecodeError', () => {
    const bad = [
      '', // no header
      '00', // no wnd
      '000005', // unknown tag 5
      '000000', // tag 0
      '000001', // PUSH truncated
      '0000010000000000', // PUSH without frg
      '000001000000000000', // PUSH without length
      '00000100000000000004', // PUSH length 1, no data
      '0000010000000000ff00', // frg 255: more than 255 fragments
      '000002000000', // ACK truncated ts
      'ff', // una smartint truncated
      '03ffffffffffffffffffff', // una varint longer than 10 bytes
    ]
    for (const h of bad) {
      let err: unknown
      try {
        decodeArqPayload(hex(h))
      } catch (e) {
        err = e
      }
      expect(ArqDecodeError.isInstance(err), h).toBe(true)
      expect(KiloError.isInstance(err)).toBe(true)
      expect((err as ArqDecodeError).code).toBe('kp.ArqMalformed')
    }
  })

  it('random bytes decode or throw ArqDecodeError, nothing else; sizes stay bounded', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const p = decodeArqPayload(bytes)
          expect(p.segments.length).toBeLessThanOrEqual(bytes.length)
          for (const s of p.segments) if (s.type === 'push') expect(s.data.length).toBeLessThan(bytes.length)
        } catch (e) {
          expect(ArqDecodeError.isInstance(e)).toBe(true)
        }
      }),
      { numRuns: 5000 },
    )
  })

  it('an engine fed random bytes throws only ArqDecodeError and keeps working', () => {
    const sent: Uint8Array[] = []
    let now = 0
    const b = new ArqEngine({ now: () => now, output: () => {}, mtu: 200 })
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        try {
          b.input(bytes)
        } catch (e) {
          expect(ArqDecodeError.isInstance(e)).toBe(true)
        }
        b.flush()
        b.onTimer()
      }),
      { numRuns: 3000 },
    )
    // A payload that refers to segments never sent is refused whole.
    expect(() => b.input(encodeArqPayload({ una: 5, wnd: 1, segments: [] }))).toThrow(ArqDecodeError)
    expect(() => b.input(encodeArqPayload({ una: 0, wnd: 1, segments: [{ type: 'ack', sn: 0, ts: 0 }] }))).toThrow(ArqDecodeError)
    expect(b.stats.malformed).toBeGreaterThan(0)
    // A real exchange still works afterwards (garbage PUSHes beyond the window were never
    // delivered; fresh engines so the garbage cannot have advanced b's sequence).
    const c = new ArqEngine({ now: () => now, output: (p) => sent.push(p.slice()), mtu: 200 })
    sent.length = 0
    c.send(hex('0102'))
    c.flush()
    now = 5
    const d = new ArqEngine({ now: () => now, output: () => {}, mtu: 200 })
    expect(d.input(sent[0]!)).toEqual([hex('0102')])
  })

  it('an engine applies nothing of a payload whose tail is malformed', () => {
    const b = new ArqEngine({ now: () => 0, output: () => {}, mtu: 200 })
    const good = encodeArqPayload({ una: 0, wnd: 128, segments: [{ type: 'push', sn: 0, ts: 0, frg: 0, data: hex('aa') }] })
    const broken = new Uint8Array([...good, 9])
    expect(() => b.input(broken)).toThrow(ArqDecodeError)
    expect(b.input(good)).toEqual([hex('aa')])
  })
})
