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
