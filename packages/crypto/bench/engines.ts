// The engines the benchmark compares, fastest first.
import * as root from '@kp/crypto'
import * as noble from '@kp/crypto/noble'

export type Api = typeof root

export const engines: { name: string; label: string; api: Api }[] = [
  { name: root.backend, label: 'package root', api: root },
  { name: 'noble', label: '@kp/crypto/noble', api: noble as Api },
]
