import * as bp from '@kp/bipack'
import { describe, expect, expectTypeOf, it } from 'vitest'

describe('BipackError', () => {
  it('has code, name, offset, cause and the kp brands', () => {
    const cause = new Error('inner')
    const e = new bp.BipackError('bad thing', 7, { cause })
    expect(e).toBeInstanceOf(Error)
    expect(e.name).toBe('BipackError')
    expect(e.code).toBe('kp.Bipack')
    expect(e.offset).toBe(7)
    expect(e.message).toBe('bad thing at offset 7')
    expect(e.cause).toBe(cause)
    expect((e as any)[Symbol.for('kp.error')]).toBe(true)
    expect(bp.BipackError.isInstance(e)).toBe(true)
  })

  it('isInstance works on a look-alike from another copy and rejects others', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('kp.error.BipackError')]: true })
    expect(bp.BipackError.isInstance(foreign)).toBe(true)
    for (const v of [new Error('x'), null, undefined, 'BipackError', { code: 'kp.Bipack' }]) expect(bp.BipackError.isInstance(v)).toBe(false)
  })

  it('decode errors carry the offset', () => {
    try {
      bp.struct({ a: bp.u8, b: bp.bool }).decode(new Uint8Array([1, 5]))
      expect.unreachable()
    } catch (e) {
      expect(bp.BipackError.isInstance(e) && e.offset).toBe(1)
    }
  })
})

describe('types', () => {
  it('Infer gives the decoded type', () => {
    const s = bp.struct({
      text: bp.string,
      n: bp.int,
      big: bp.u64,
      maybe: bp.optional(bp.string),
      list: bp.list(bp.tuple(bp.bool, bp.bytes)),
      map: bp.map(bp.string, bp.date),
      color: bp.enumOf(['red', 'green']),
      shape: bp.union({ circle: bp.struct({ r: bp.f64 }), none: bp.unit }),
    })
    type T = bp.Infer<typeof s>
    expectTypeOf<T>().toEqualTypeOf<{
      text: string
      n: number
      big: bigint
      maybe: string | null
      list: [boolean, Uint8Array][]
      map: Map<string, Date>
      color: 'red' | 'green'
      shape: { type: 'circle'; value: { r: number } } | { type: 'none'; value: undefined }
    }>()
    // at run time writing is more lenient: a number for u64, undefined for optional
    const lenient = s as bp.Schema<any>
    lenient.encode({
      text: '',
      n: 1,
      big: 1,
      maybe: undefined,
      list: [] as const,
      map: new Map(),
      color: 'red',
      shape: { type: 'none', value: undefined },
    })
    expect(true).toBe(true)
  })

  it('recursive schemas through lazy', () => {
    interface Node {
      name: string
      children: Node[]
    }
    const node: bp.Schema<Node> = bp.struct({ name: bp.string, children: bp.list(bp.lazy(() => node)) })
    const v: Node = { name: 'root', children: [{ name: 'a', children: [] }] }
    expect(node.decode(node.encode(v))).toEqual(v)
    expect(node.minSize).toBe(2)
  })
})

describe('generic code written against Schema<T>', () => {
  it('infers T from the schema and can encode a T', () => {
    const roundTrip = <T>(s: bp.Schema<T>, v: T): T => s.decode(s.encode(v))
    const s = bp.struct({ id: bp.u64, tags: bp.list(bp.string), note: bp.optional(bp.string) })
    const v = roundTrip(s, { id: 5n, tags: ['a'], note: null })
    expectTypeOf(v).toEqualTypeOf<{ id: bigint; tags: string[]; note: string | null }>()
    expect(v.id).toBe(5n)
  })
})
