import WebSocket from 'ws'
import type { ScaleConn, ScaleConnectOptions, ScaleInfo } from '../../types.js'

const PAYLOAD = Buffer.from('0123456789abcdef')

export function connect(info: ScaleInfo, o: ScaleConnectOptions): Promise<ScaleConn> {
  return new Promise<ScaleConn>((resolve, reject) => {
    const ws = new WebSocket(info.url as string, { perMessageDeflate: false, localAddress: o.localAddress })
    const waiting = new Map<number, [() => void, (e: Error) => void]>()
    let nextId = 1
    ws.on('message', (data: Buffer) => {
      const id = data.readUInt32BE(1)
      if (data[0] === 2) return o.onPush(id)
      const w = waiting.get(id)
      waiting.delete(id)
      w?.[0]()
    })
    const call = () =>
      new Promise<void>((res, rej) => {
        if (ws.readyState !== WebSocket.OPEN) return rej(new Error('closed'))
        const id = nextId++
        const m = Buffer.allocUnsafe(5 + PAYLOAD.length)
        m[0] = 1
        m.writeUInt32BE(id, 1)
        PAYLOAD.copy(m, 5)
        waiting.set(id, [res, rej])
        ws.send(m)
      })
    ws.once('open', () => {
      ws.off('error', reject)
      ws.on('error', () => {})
      ws.on('close', () => {
        for (const w of waiting.values()) w[1](new Error('closed'))
        waiting.clear()
      })
      call().then(() => resolve({ call, close: () => ws.terminate() }), reject)
    })
    ws.once('error', reject)
  })
}
