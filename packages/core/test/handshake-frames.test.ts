import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeHello, FrameParseError, parseHello, parseReject, parseWelcome, parseCookie } from '../src/protocol/handshake-frames.js'
import { readMessages } from '../src/protocol/messages.js'
import { ProtocolError } from '../src/errors/protocol-error.js'
import { nullSink } from './support/peer-messages.js'

describe('handshake frames', () => {
  it('HELLO is exactly 256 bytes with zero padding', () => {
    const h = encodeHello(new Uint8Array(32).fill(7))
    expect(h.length).toBe(256)
    expect(parseHello(h).ephemeral).toEqual(new Uint8Array(32).fill(7))
  })

  it('rejects a HELLO of the wrong size, with non-zero padding, or another version', () => {
    const h = encodeHello(new Uint8Array(32))
    expect(() => parseHello(h.subarray(0, 255))).toThrow(FrameParseError)
    const bad = h.slice()
    bad[255] = 1
    expect(() => parseHello(bad)).toThrow(/padding/)
    const v2 = h.slice()
    v2[1] = 2 << 2
    try {
      parseHello(v2)
      throw new Error('accepted')
    } catch (e) {
      expect((e as FrameParseError).reason).toBe('unsupported-version')
    }
  })

  it('random bytes never throw anything but the documented errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const f of [parseHello, parseWelcome]) {
          try {
            f(bytes)
          } catch (e) {
            expect(e).toBeInstanceOf(FrameParseError)
          }
        }
        parseReject(bytes)
        parseCookie(bytes)
        try {
          readMessages(bytes, nullSink)
        } catch (e) {
          expect(ProtocolError.isInstance(e)).toBe(true)
        }
      }),
      { numRuns: 2000 },
    )
  })
})
