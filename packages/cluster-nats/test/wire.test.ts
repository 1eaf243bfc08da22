/** Frames on the bus: sealing, what does not open, replays, hostile bodies. */
import { BipackWriter } from '@kp/bipack'
import { randomBytes } from '@kp/crypto'
import { describe, expect, it } from 'vitest'
import { FrameCodec, SEALED_HEADER } from '../src/wire/frame-codec.js'
import { readMessage, T, writeMessage, type Message } from '../src/wire/messages.js'
import { REPLAY_WINDOW, ReplayWindow } from '../src/wire/replay-window.js'

const key = randomBytes(32)
const body = (m: Message) => {
  const w = new BipackWriter()
  writeMessage(w, m)
  return w.toBytes()
}
const push: Message = { t: T.Push, target: 'kuser:1', name: 'note', args: new TextEncoder().encode('secret text') }

describe('FrameCodec', () => {
  it('sealed: the payload does not show the body, and opens only with the key, on the same subject, from the claimed node', () => {
    const a = new FrameCodec(randomBytes(16), key, 10)
    const b = new FrameCodec(randomBytes(16), key, 10)
    const frame = a.frame('kp.cluster.n.x', body(push))
    expect(Buffer.from(frame).includes(Buffer.from('secret text'))).toBe(false)
    const opened = b.open('kp.cluster.n.x', frame)
    expect(opened).toMatchObject({ from: a.nodeHex })
    expect(readMessage((opened as { body: Uint8Array }).body)).toEqual(push)

    expect(new FrameCodec(randomBytes(16), randomBytes(32), 10).open('kp.cluster.n.x', frame)).toBe('open')
    expect(new FrameCodec(randomBytes(16), key, 10).open('kp.cluster.n.y', frame)).toBe('open') // moved to another subject
    const forged = frame.slice()
    forged.set(randomBytes(16), 2) // claims another sender
    expect(new FrameCodec(randomBytes(16), key, 10).open('kp.cluster.n.x', forged)).toBe('open')
    const flipped = frame.slice()
    flipped[SEALED_HEADER + 3]! ^= 1
    expect(new FrameCodec(randomBytes(16), key, 10).open('kp.cluster.n.x', flipped)).toBe('open')
    expect(a.open('kp.cluster.n.x', frame)).toBe('self')
  })

  it('sealed: a replayed frame is dropped; frames out of order within the window are not', () => {
    const a = new FrameCodec(randomBytes(16), key, 10)
    const b = new FrameCodec(randomBytes(16), key, 10)
    const f1 = a.frame('s', body(push))
    const f2 = a.frame('s', body(push))
    expect(typeof b.open('s', f2)).toBe('object')
    expect(typeof b.open('s', f1)).toBe('object')
    expect(b.open('s', f1)).toBe('replay')
    expect(b.open('s', f2)).toBe('replay')
  })

  it('a sealed node drops plain frames and a plain node drops sealed ones', () => {
    const plain = new FrameCodec(randomBytes(16), null, 10)
    const sealed = new FrameCodec(randomBytes(16), key, 10)
    expect(sealed.open('s', plain.frame('s', body(push)))).toBe('unsealed')
    expect(plain.open('s', sealed.frame('s', body(push)))).toBe('sealed')
    expect(plain.open('s', new Uint8Array([0x6b]))).toBe('malformed')
    expect(plain.open('s', new Uint8Array(40))).toBe('malformed')
  })

  it('remembers at most maxSenders senders (only authenticated ones)', () => {
    const b = new FrameCodec(randomBytes(16), key, 3)
    const senders = Array.from({ length: 5 }, () => new FrameCodec(randomBytes(16), key, 3))
    for (const s of senders) expect(typeof b.open('s', s.frame('s', body(push)))).toBe('object')
    expect((b as unknown as { senders: Map<string, unknown> }).senders.size).toBe(3)
    for (let i = 0; i < 100; i++) b.open('s', randomBytes(80).fill(0x6b, 0, 1).fill(2, 1, 2))
    expect((b as unknown as { senders: Map<string, unknown> }).senders.size).toBe(3)
  })
})

describe('ReplayWindow', () => {
  it('accepts each counter once, refuses counters older than the window', () => {
    const w = new ReplayWindow()
    for (const c of [5, 3, 10, 4]) {
      expect(w.check(c)).toBe(true)
      w.commit(c)
    }
    for (const c of [5, 3, 10, 4]) expect(w.check(c)).toBe(false)
    expect(w.check(6)).toBe(true)
    w.commit(10 + REPLAY_WINDOW)
    expect(w.check(10)).toBe(false) // out of the window
    expect(w.check(11)).toBe(true)
    expect(w.check(10 + REPLAY_WINDOW)).toBe(false)
    w.commit(20 + 5 * REPLAY_WINDOW) // a jump clears everything
    expect(w.check(19 + 5 * REPLAY_WINDOW)).toBe(true)
  })
})

describe('messages', () => {
  it('round-trip every type', () => {
    const all: Message[] = [
      { t: T.Heartbeat, name: 'a', seq: 5, count: 2 },
      { t: T.Hello, name: 'b', seq: 0, count: 0 },
      { t: T.Bye },
      { t: T.Delta, seq: 9, adds: ['ia', 'kb'], removes: ['kc'] },
      { t: T.Snapshot, name: 'n', seq: 3, snap: 1, part: 0, last: true, keys: ['ia'] },
      { t: T.Sync },
      push,
      { t: T.Call, id: 7, target: 'kx', name: 'ask', args: new Uint8Array([1, 2]), timeoutMs: 1000 },
      { t: T.Result, id: 7, value: new Uint8Array([3]) },
      { t: T.Error, id: 7, code: 'Quota', message: 'no', data: new Uint8Array([14]) },
      { t: T.Cancel, id: 7 },
      { t: T.Topic, topic: 'room', name: 'note', args: new Uint8Array([4]) },
    ]
    for (const m of all) expect(readMessage(body(m))).toEqual(m)
  })

  it('refuse hostile bodies before allocating: lying counts, long keys, unknown types, trailing bytes', () => {
    const w = new BipackWriter()
    w.u8(T.Delta).unsigned(1).unsigned(1_000_000_000)
    expect(() => readMessage(w.toBytes())).toThrow(/keys in/)
    const long = new BipackWriter()
    long.u8(T.Push).string('k'.repeat(513)).string('n').bytes(new Uint8Array(0))
    expect(() => readMessage(long.toBytes())).toThrow(/key of 513/)
    expect(() => readMessage(new Uint8Array([99]))).toThrow(/unknown message type/)
    const trailing = new Uint8Array([...body({ t: T.Bye }), 0])
    expect(() => readMessage(trailing)).toThrow()
    expect(() => readMessage(new Uint8Array(0))).toThrow()
  })
})
