import { KiloInterface, serve, SigningKey } from '@kp/core'
import { describe, expect, it } from 'vitest'
import { tcpListener } from '../src/index.js'

describe('serve() and TCP listeners (issue 15, section 5)', () => {
  it('refuses a closed listener and one already served', async () => {
    const key = SigningKey.generate()
    const l = await tcpListener({ host: '127.0.0.1', port: 0 })
    const s = serve(l, new KiloInterface(), { key })
    expect(() => serve(l, new KiloInterface(), { key })).toThrow(/already served/)
    await s.close()
    const closed = await tcpListener({ host: '127.0.0.1', port: 0 })
    await closed.close()
    expect(closed.isClosed).toBe(true)
    expect(() => serve(closed, new KiloInterface(), { key })).toThrow(/is closed: open a new one/)
  })
})
