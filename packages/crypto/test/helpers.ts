import { readFileSync } from 'node:fs'
import * as nobleApi from '../src/index.noble.js'
import * as nodeApi from '../src/index.node.js'

export type Api = typeof nodeApi

/** Both implementations, for suites that run once per backend. */
export const impls: readonly { readonly name: 'node' | 'noble'; readonly api: Api }[] = [
  { name: 'node', api: nodeApi },
  { name: 'noble', api: nobleApi as Api },
]

export { nobleApi, nodeApi }

export function vectors<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./vectors/${name}.json`, import.meta.url), 'utf8')) as T
}

export function hex(s: string): Uint8Array {
  return nodeApi.hexToBytes(s)
}

export function toHex(b: Uint8Array): string {
  return nodeApi.bytesToHex(b)
}
