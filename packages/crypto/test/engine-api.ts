// The whole public API bound to any engine, built the way the entry points build theirs, so
// tests and the benchmark can run the node:crypto engine while the package root (in a
// workspace where sodium-native is installed) runs on sodium.
import { describeEngine } from '../src/backend-info.js'
import { bind } from '../src/bind.js'
import * as common from '../src/common.js'
import type { Engine } from '../src/engine.js'
import type * as nodeEntry from '../src/index.node.js'
import { BasePublicKey } from '../src/public-key.js'
import { BaseSigningKey } from '../src/signing-key.js'

export type Api = typeof nodeEntry

export function engineApi(engine: Engine): Api {
  class PublicKey extends BasePublicKey {
    static override readonly engine = engine
  }
  class SigningKey extends BaseSigningKey {
    static override readonly engine = engine
    static override readonly PublicKey = PublicKey
    declare readonly publicKey: PublicKey
  }
  return {
    ...common,
    ...bind(engine),
    backend: engine.name,
    backendInfo: describeEngine(engine, 'default'),
    PublicKey,
    SigningKey,
  } as Api
}
