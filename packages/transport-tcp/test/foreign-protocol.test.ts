import { createServer, connect as netConnect, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { KiloInterface, SigningKey, TransportError } from '@kp/core'
import { afterEach, describe, expect, it } from 'vitest'
import { connectTcp, createTcpServer } from '../src/index.js'
import { foreignProtocol } from '../src/foreign-protocol.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('another protocol on the TCP port is named (issue 15, section 5)', () => {
  it('recognises HTTP responses and requests and TLS, and nothing that starts a Kiloparsec stream', () => {
    const enc = (s: string) => new TextEncoder().encode(s)
    expect(foreignProtocol(enc('HTTP/1.1 400 Bad Request\r\n'))).toBe('an HTTP response')
    expect(foreignProtocol(enc('GET / HTTP/1.1\r\n'))).toBe('an HTTP request')
    expect(foreignProtocol(new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00]))).toBe('TLS')
    expect(foreignProtocol(new Uint8Array([0x01, 0x04, 0x01, 0x04]))).toBeNull()
  })

  it('a TCP client aimed at an HTTP port fails at once, for good, with "it answered like HTTP"', async () => {
    const http: Server = createServer((s) => {
      s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'))
    })
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise((r) => http.close(r)))
    const port = (http.address() as AddressInfo).port
    const c = connectTcp({ host: '127.0.0.1', port, insecureAcceptAnyServer: true })
    cleanups.push(() => c.close())
    const e = await c.ready().catch((x) => x)
    expect(TransportError.isInstance(e) && e.code).toBe('kp.NotKiloparsec')
    expect(e.message).toMatch(/not a Kiloparsec server: 127\.0\.0\.1:\d+ answered like HTTP \("HTTP\/1\.1 400 Bad Request"\)/)
    expect(c.state).toBe('closed')
  })

  it('an HTTP request to the Kiloparsec port closes that connection; the server goes on', async () => {
    const key = SigningKey.generate()
    const s = await createTcpServer(new KiloInterface(), { key, host: '127.0.0.1', port: 0 })
    cleanups.push(() => s.close())
    const raw = netConnect(s.address.port, '127.0.0.1')
    const closed = new Promise<void>((r) => raw.on('close', () => r()))
    raw.on('error', () => {})
    raw.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    await closed
    const c = connectTcp({ host: '127.0.0.1', port: s.address.port, serverId: key.publicKey, reconnect: false })
    cleanups.push(() => c.close())
    await c.ready()
  })
})
