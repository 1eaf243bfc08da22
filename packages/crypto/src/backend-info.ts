import type { BackendName, Engine, EngineImplementations } from './engine.js'

/** Which engine an entry point runs on and why: for logs and diagnostics. */
export interface BackendInfo {
  /** The engine: `'sodium'` (libsodium through sodium-native), `'node'` (node:crypto) or `'noble'`. */
  readonly name: BackendName
  /** Which library runs each operation (ChaCha20-Poly1305, BLAKE2b, X25519, Ed25519). */
  readonly operations: EngineImplementations
  /**
   * How it was chosen: `'default'` (the best engine that loads), `'KP_CRYPTO_ENGINE'` (forced
   * by the environment variable) or `'entry point'` (`@kp/crypto/noble`, browsers).
   */
  readonly selectedBy: 'default' | 'KP_CRYPTO_ENGINE' | 'entry point'
  /** Why a preferred engine is not in use (e.g. sodium-native is not installed); absent otherwise. */
  readonly fallbackReason?: string
  /** One line for a debug log, e.g. `sodium engine (default): aead, blake2b, x25519, ed25519: libsodium ...`. */
  readonly summary: string
}

/** Describes `engine` for `backendInfo`. */
export function describeEngine(engine: Engine, selectedBy: BackendInfo['selectedBy'], fallbackReason?: string): BackendInfo {
  const byLibrary = new Map<string, string[]>()
  for (const [op, lib] of Object.entries(engine.implementations)) {
    const ops = byLibrary.get(lib) ?? []
    ops.push(op)
    byLibrary.set(lib, ops)
  }
  const parts = [...byLibrary].map(([lib, ops]) => `${ops.join(', ')}: ${lib}`)
  let summary = `${engine.name} engine (${selectedBy}): ${parts.join('; ')}`
  if (fallbackReason !== undefined) summary += ` [${fallbackReason}]`
  return Object.freeze({
    name: engine.name,
    operations: engine.implementations,
    selectedBy,
    ...(fallbackReason === undefined ? {} : { fallbackReason }),
    summary,
  })
}
