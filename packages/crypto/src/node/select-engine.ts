import { type BackendInfo, describeEngine } from '../backend-info.js'
import { CryptoError } from '../crypto-error.js'
import type { Engine } from '../engine.js'
import { nobleEngine } from '../noble/engine.js'
import { sodiumEngine } from '../sodium/engine.js'
import type { LoadedSodium } from '../sodium/sodium-native.js'
import { nodeEngine } from './engine.js'

/** The environment variable that forces an engine in Node: `sodium`, `node` or `noble`. */
export const ENGINE_ENV = 'KP_CRYPTO_ENGINE'

/** The engine of the Node entry point and how it was chosen. */
export interface Selection {
  readonly engine: Engine
  readonly info: BackendInfo
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e)
  return m.split('\n', 1)[0]!
}

/**
 * Picks the Node engine. `choice` is the value of `KP_CRYPTO_ENGINE`: unset or empty takes
 * sodium when `loadSodium` succeeds, else node:crypto; `'sodium'` requires sodium-native
 * (CryptoError when it does not load); `'node'` and `'noble'` take those engines. Any other
 * value is a RangeError. `loadSodium` is injected so tests can make sodium-native unloadable.
 */
export function selectEngine(choice: string | undefined, loadSodium: () => LoadedSodium): Selection {
  switch (choice) {
    case undefined:
    case '': {
      let loaded: LoadedSodium
      try {
        loaded = loadSodium()
      } catch (e) {
        return { engine: nodeEngine, info: describeEngine(nodeEngine, 'default', `sodium-native not loadable: ${firstLine(e)}`) }
      }
      const engine = sodiumEngine(loaded)
      return { engine, info: describeEngine(engine, 'default') }
    }
    case 'sodium': {
      let loaded: LoadedSodium
      try {
        loaded = loadSodium()
      } catch (e) {
        throw new CryptoError(`${ENGINE_ENV}=sodium but sodium-native cannot be loaded: ${firstLine(e)}`, { cause: e })
      }
      const engine = sodiumEngine(loaded)
      return { engine, info: describeEngine(engine, ENGINE_ENV) }
    }
    case 'node':
      return { engine: nodeEngine, info: describeEngine(nodeEngine, ENGINE_ENV) }
    case 'noble':
      return { engine: nobleEngine, info: describeEngine(nobleEngine, ENGINE_ENV) }
    default:
      throw new RangeError(`"${ENGINE_ENV}" expected "sodium", "node", "noble" or unset, got ${JSON.stringify(choice)}`)
  }
}
