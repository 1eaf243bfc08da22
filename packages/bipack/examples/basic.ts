// Run: pnpm example   (from the repo root or packages/bipack)
import * as bp from '@kp/bipack'

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ')

// 1. Describe the message once; the TypeScript type follows from the schema.
const Item = bp.struct({ id: bp.int, name: bp.string, ok: bp.bool })
const Message = bp.struct({
  text: bp.string,
  number: bp.int,
  sent: bp.date,
  tags: bp.list(bp.string),
  reply: bp.optional(bp.string),
  color: bp.enumOf(['red', 'green', 'blue']),
  shape: bp.union({ circle: bp.struct({ r: bp.f64 }), square: bp.struct({ side: bp.u16 }) }),
  items: bp.list(Item),
})
type Message = bp.Infer<typeof Message>

const msg: Message = {
  text: 'Hello, bipack!',
  number: -42,
  sent: new Date('2025-01-02T03:04:05Z'),
  tags: ['greeting', 'demo'],
  reply: null,
  color: 'green',
  shape: { type: 'square', value: { side: 3 } },
  items: [
    { id: 1, name: 'one', ok: true },
    { id: 2, name: 'two', ok: false },
  ],
}

// 2. Encode and decode. Field names never go on the wire: only values, in declaration order.
const bytes = Message.encode(msg)
console.log(`encoded ${bytes.length} bytes (JSON would be ${JSON.stringify(msg).length}):`)
console.log(hex(bytes))
const back = Message.decode(bytes)
console.log('decoded:', back)

// 3. The low-level writer/reader, as the protocol uses them.
const w = new bp.BipackWriter()
w.u8(7).unsigned(64000).signed(-1).string('hi')
console.log('writer:', hex(w.view())) // 07 02 e8 03 0c 08 68 69
const r = new bp.BipackReader(w.view())
console.log('reader:', r.u8(), r.unsigned(), r.signed(), r.string())
r.expectEnd()

// 4. Decoding is strict: truncated, malformed or trailing input throws BipackError.
for (const bad of [bytes.subarray(0, 10), new Uint8Array([...bytes, 0])]) {
  try {
    Message.decode(bad)
  } catch (e) {
    if (bp.BipackError.isInstance(e)) console.log(`rejected: ${e.message} (code ${e.code})`)
  }
}
