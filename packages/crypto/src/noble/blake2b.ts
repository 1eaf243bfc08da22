import { blake2b } from '@noble/hashes/blake2.js'

/** BLAKE2b-256 through @noble/hashes, fed part by part (nothing is concatenated). */
export function nobleBlake2b256(parts: readonly Uint8Array[], key?: Uint8Array): Uint8Array {
  const h = blake2b.create(key === undefined ? { dkLen: 32 } : { dkLen: 32, key })
  for (let i = 0; i < parts.length; i++) h.update(parts[i]!)
  return h.digest()
}
