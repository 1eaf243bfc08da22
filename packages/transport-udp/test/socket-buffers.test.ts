// The listener's socket buffers: sized as asked (within what the kernel allows), and the datagrams
// the kernel drops when the receive buffer overflows are counted where the system says so.
import { createSocket } from 'node:dgram'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { dropsIn } from '../src/kernel-drops.js'
import { udpListener } from '../src/index.js'

const linux = process.platform === 'linux'
const sysctl = (name: string) => Number(readFileSync(`/proc/sys/net/core/${name}`, 'utf8'))

describe('UDP listener socket buffers', () => {
  it.runIf(linux)('asks for 4 MiB each way by default and gets it up to net.core.rmem_max / wmem_max (Linux reports twice the grant)', async () => {
    const l = await udpListener({ host: '127.0.0.1', port: 0 })
    try {
      expect(l.bufferSizes.recv).toBe(2 * Math.min(4 * 1024 * 1024, sysctl('rmem_max')))
      expect(l.bufferSizes.send).toBe(2 * Math.min(4 * 1024 * 1024, sysctl('wmem_max')))
    } finally {
      await l.close()
    }
    expect(l.bufferSizes).toEqual({ recv: 0, send: 0 })
    const small = await udpListener({ host: '127.0.0.1', port: 0, recvBufferSize: 64 * 1024, sendBufferSize: 32 * 1024 })
    try {
      expect(small.bufferSizes).toEqual({ recv: 128 * 1024, send: 64 * 1024 })
    } finally {
      await small.close()
    }
  })

  it('refuses buffer sizes that are not integers in range', async () => {
    await expect(udpListener({ port: 0, sendBufferSize: 1.5 })).rejects.toThrow(TypeError)
    await expect(udpListener({ port: 0, sendBufferSize: -1 })).rejects.toThrow(/"sendBufferSize" expected 0\.\.2147483647/)
    await expect(udpListener({ port: 0, recvBufferSize: 2 ** 31 })).rejects.toThrow(RangeError)
  })

  it.runIf(linux)('counts the datagrams the kernel drops when the receive buffer is full', async () => {
    // a small buffer and an event loop that does not read: the kernel keeps what fits and drops the rest
    const l = await udpListener({ host: '127.0.0.1', port: 0, recvBufferSize: 4096 })
    const sender = createSocket('udp4')
    try {
      expect(await l.kernelDrops()).toBe(0)
      const datagram = new Uint8Array(1000)
      const SENT = 400
      const until = Date.now() + 2_000
      let sent = 0
      await new Promise<void>((resolve) => {
        for (let i = 0; i < SENT; i++) sender.send(datagram, l.address.port, '127.0.0.1', () => ++sent === SENT && resolve())
      })
      while (Date.now() < until && (await l.kernelDrops())! === 0) await new Promise((r) => setTimeout(r, 10))
      const drops = (await l.kernelDrops())!
      await new Promise((r) => setTimeout(r, 100))
      // what the kernel kept reached the listener (not a HELLO: dropped as unknown), the rest is counted
      expect(drops).toBeGreaterThan(0)
      expect(drops + l.stats.datagramsIn).toBe(SENT)
    } finally {
      sender.close()
      await l.close()
    }
  })

  it('reads the drops column of the local port from a /proc/net/udp table', () => {
    const table = [
      '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
      '  101: 0100007F:0FA0 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5001 2 0000000000000000 17',
      '  102: 00000000:0FA0 00000000:0000 07 00000000:00003000 00:00000000 00000000     0        0 5002 2 0000000000000000 3',
      '  103: 0100007F:0FA1 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5003 2 0000000000000000 99',
      '  104: 0100007F:A0FA 00000000:0FA0 01 00000000:00000000 00:00000000 00000000     0        0 5004 2 0000000000000000 50',
      '',
    ].join('\n')
    expect(dropsIn(table, 4000)).toBe(20) // rows 101 and 102; not the remote port 0FA0 of row 104
    expect(dropsIn(table, 4001)).toBe(99)
    expect(dropsIn(table, 5)).toBe(0)
    expect(dropsIn('', 4000)).toBe(0)
  })
})
