import type { Engine } from '../engine.js'
import { nobleBlake2b256 } from './blake2b.js'
import { NobleAead, nobleOpen, nobleSeal } from './chacha.js'
import { nobleCurves } from './curves.js'

/** The pure-JavaScript engine (@noble/curves, @noble/ciphers, @noble/hashes): any platform. */
export const nobleEngine: Engine = Object.freeze({
  name: 'noble' as const,
  implementations: Object.freeze({
    aead: '@noble/ciphers',
    blake2b: '@noble/hashes',
    x25519: '@noble/curves',
    ed25519: '@noble/curves',
  }),
  ...nobleCurves,
  aead: (key: Uint8Array) => new NobleAead(key),
  seal: nobleSeal,
  open: nobleOpen,
  blake2b256: nobleBlake2b256,
})
