import { smartintSize } from '@kp/bipack'

const nameSizes = new Map<string, number>()
const encoder = new TextEncoder()

/** Encoded size of `string(name)`, cached per command name (a handful per app). */
export function stringSize(name: string): number {
  let n = nameSizes.get(name)
  if (n === undefined) {
    const len = encoder.encode(name).length
    n = smartintSize(len) + len
    if (nameSizes.size < 10_000) nameSizes.set(name, n)
  }
  return n
}

/** Encoded size of `bytes(b)`. */
export function bytesSize(length: number): number {
  return smartintSize(length) + length
}

/** Exact encoded size of a CALL message (PROTOCOL.md 6). */
export function callSize(id: number, name: string, argsLength: number): number {
  return 1 + smartintSize(id) + stringSize(name) + bytesSize(argsLength)
}

/** Exact encoded size of a PUSH message. */
export function pushSize(name: string, argsLength: number): number {
  return 1 + stringSize(name) + bytesSize(argsLength)
}

/** Exact encoded size of a RESULT message. */
export function resultSize(id: number, valueLength: number): number {
  return 1 + smartintSize(id) + bytesSize(valueLength)
}

/** Exact encoded size of an OPEN message (PROTOCOL.md 14). */
export function openSize(id: number, name: string, credit: number, argsLength: number): number {
  return 2 + smartintSize(id) + stringSize(name) + smartintSize(credit) + bytesSize(argsLength)
}

/** Exact encoded size of an ITEM message, and of an END (same layout). */
export function itemSize(ref: number, itemLength: number): number {
  return 1 + smartintSize(ref) + bytesSize(itemLength)
}

/** Exact encoded size of an ITEM whose item is a bipack `bytes` value of `length` bytes. */
export function bytesItemSize(ref: number, length: number): number {
  const inner = smartintSize(length) + length
  return 1 + smartintSize(ref) + smartintSize(inner) + inner
}
