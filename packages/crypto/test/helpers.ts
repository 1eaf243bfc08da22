import { readFileSync } from 'node:fs'
import { nodeEngine } from '../src/node/engine.js'
import * as nobleApi from '../src/index.noble.js'
import * as rootApi from '../src/index.node.js'
import * as webApi from '../src/index.js'
import { type Api, engineApi } from './engine-api.js'

export type { Api }

// In this workspace sodium-native is installed, so the Node entry runs on sodium (a test in
// engine-select.test.ts asserts it, unless KP_CRYPTO_ENGINE says otherwise).
if (process.env.KP_CRYPTO_ENGINE === undefined && rootApi.backend !== 'sodium') {
  throw new Error(`the Node entry should run on sodium-native here: ${rootApi.backendInfo.summary}`)
}

/** The package root in Node: the sodium engine. */
export const sodiumApi: Api = rootApi
/** The node:crypto engine (the root's fallback when sodium-native does not load). */
export const nodeApi: Api = engineApi(nodeEngine)

/** Every engine, for suites that run once per engine. */
export const impls: readonly { readonly name: 'sodium' | 'node' | 'noble' | 'web'; readonly api: Api }[] = [
  { name: 'sodium', api: sodiumApi },
  { name: 'node', api: nodeApi },
  { name: 'noble', api: nobleApi as Api },
  // the browser entry: this package's compact ChaCha20-Poly1305 and BLAKE2b, noble for the synchronous curve calls, WebCrypto for the asynchronous ones
  { name: 'web', api: webApi as Api },
]

export { nobleApi }

export function vectors<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./vectors/${name}.json`, import.meta.url), 'utf8')) as T
}

export function hex(s: string): Uint8Array {
  return nobleApi.hexToBytes(s)
}

export function toHex(b: Uint8Array): string {
  return nobleApi.bytesToHex(b)
}
