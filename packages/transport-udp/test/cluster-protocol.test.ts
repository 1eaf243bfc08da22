import { describe, expect, it } from 'vitest'
import { decodeRelayed, encodeRelayed, ownerOf, relayHeader } from '../src/cluster-protocol.js'

describe('UDP cluster: owners and relayed datagrams', () => {
  it('spreads source addresses over the slots, the same owner every time', () => {
    const counts = [0, 0, 0]
    for (let i = 0; i < 3000; i++) {
      const source = `127.0.0.${2 + (i % 8)}:${20_000 + i}`
      const o = ownerOf(source, 3)
      expect(ownerOf(source, 3)).toBe(o)
      counts[o]!++
    }
    for (const c of counts) expect(c).toBeGreaterThan(800)
    expect(ownerOf('[::1]:5000', 1)).toBe(0)
  })

  it('carries the source address and port with the datagram, IPv4 and IPv6', () => {
    const d = Uint8Array.of(1, 2, 3, 250)
    for (const [address, port, family] of [
      ['127.0.0.5', 65535, 'IPv4'],
      ['::1', 1, 'IPv6'],
      ['fe80::1:2:3', 4000, 'IPv6'],
      ['::ffff:10.0.0.1', 53, 'IPv6'],
    ] as const) {
      const r = decodeRelayed(encodeRelayed(d, address, port)!)
      expect(r).toEqual({ address, port, family, datagram: d })
    }
  })

  it('puts at most 51 bytes before the datagram (the longest IPv6 text)', () => {
    expect(relayHeader('ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255', 65535)!.length).toBe(51)
    expect(relayHeader('127.0.0.1', 1)!.length).toBe(15)
    expect(relayHeader('localhost', 1)).toBeNull()
  })

  it('refuses what is not a relayed datagram', () => {
    const good = encodeRelayed(Uint8Array.of(9), '10.1.2.3', 7)!
    expect(encodeRelayed(Uint8Array.of(9), 'example.org', 7)).toBeNull()
    expect(decodeRelayed(Uint8Array.of(1, 2, 3))).toBeNull()
    expect(decodeRelayed(Uint8Array.of(0x4b, 2, ...good.subarray(2)))).toBeNull() // another version
    expect(decodeRelayed(good.subarray(0, good.length - 1))).toBeNull() // no datagram left
    const badFamily = good.slice()
    badFamily[2] = 6 // says IPv6, carries an IPv4 text
    expect(decodeRelayed(badFamily)).toBeNull()
    const badText = good.slice()
    badText[4] = 'x'.charCodeAt(0)
    expect(decodeRelayed(badText)).toBeNull()
  })
})
