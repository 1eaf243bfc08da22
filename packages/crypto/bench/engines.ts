// The engines the benchmark compares, fastest first: the package root (sodium when
// sodium-native loads), the node:crypto engine (the root's fallback) and @kp/crypto/noble.
import * as root from '@kp/crypto'
import * as noble from '@kp/crypto/noble'
import { nodeEngine } from '../src/node/engine.js'
import { type Api, engineApi } from '../test/engine-api.js'

export type { Api }

export const engines: { name: string; label: string; api: Api }[] = [
  { name: root.backend, label: `package root: ${root.backendInfo.summary}`, api: root },
  ...(root.backend === 'node' ? [] : [{ name: 'node', label: 'node:crypto engine', api: engineApi(nodeEngine) }]),
  { name: 'noble', label: '@kp/crypto/noble', api: noble as Api },
]
