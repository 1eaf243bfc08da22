import type { Engine } from '../engine.js'
import { nobleBlake2b256 } from '../noble/blake2b.js'
import { NodeAead, nodeOpen, nodeSeal } from './chacha.js'
import { NodeSigner, NodeVerifier } from './ed25519.js'
import { nodeKeyPair, nodePublicKey, nodeSharedSecret } from './x25519.js'

const openssl = `node:crypto (OpenSSL ${process.versions.openssl})`

/** The node:crypto (OpenSSL) engine: Node only. BLAKE2b-256 is @noble/hashes (OpenSSL has only BLAKE2b-512). */
export const nodeEngine: Engine = Object.freeze({
  name: 'node' as const,
  implementations: Object.freeze({ aead: openssl, blake2b: '@noble/hashes', x25519: openssl, ed25519: openssl }),
  edSigner: (seed: Uint8Array) => new NodeSigner(seed),
  edVerifier: (publicKey: Uint8Array) => new NodeVerifier(publicKey),
  x25519KeyPair: nodeKeyPair,
  x25519PublicKey: nodePublicKey,
  x25519SharedSecret: nodeSharedSecret,
  aead: (key: Uint8Array) => new NodeAead(key),
  seal: nodeSeal,
  open: nodeOpen,
  blake2b256: nobleBlake2b256,
})
