import type { Engine } from '../engine.js'
import { NodeAead, nodeOpen, nodeSeal } from './chacha.js'
import { NodeSigner, NodeVerifier } from './ed25519.js'
import { nodeKeyPair, nodePublicKey, nodeSharedSecret } from './x25519.js'

/** The node:crypto (OpenSSL) backend: Node only. */
export const nodeEngine: Engine = Object.freeze({
  name: 'node' as const,
  edSigner: (seed: Uint8Array) => new NodeSigner(seed),
  edVerifier: (publicKey: Uint8Array) => new NodeVerifier(publicKey),
  x25519KeyPair: nodeKeyPair,
  x25519PublicKey: nodePublicKey,
  x25519SharedSecret: nodeSharedSecret,
  aead: (key: Uint8Array) => new NodeAead(key),
  seal: nodeSeal,
  open: nodeOpen,
})
