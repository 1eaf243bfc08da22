import { createRequire } from 'node:module'
import { type LoadedSodium, SODIUM_FUNCTIONS, type SodiumNative } from './sodium-native.js'

/**
 * Loads `sodium-native` synchronously (so importing the package stays synchronous). Throws
 * when it is not installed, its prebuilt binary does not load on this platform, or it lacks a
 * function the engine needs; the caller falls back to another engine.
 */
export function requireSodium(): LoadedSodium {
  const require = createRequire(import.meta.url)
  const sodium = require('sodium-native') as Partial<SodiumNative> | null
  for (const f of SODIUM_FUNCTIONS) {
    if (typeof sodium?.[f] !== 'function') throw new Error(`sodium-native has no function ${f}`)
  }
  let version = 'unknown'
  try {
    version = String((require('sodium-native/package.json') as { version?: unknown }).version ?? version)
  } catch {
    // the version is for people to read only
  }
  return { sodium: sodium as SodiumNative, version }
}
