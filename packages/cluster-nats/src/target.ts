import { isPublicKey, type PublicKey } from '@kp/crypto'

/**
 * Whom a push or a call is for: a client's verified key (`ctx.remoteId`, a `PublicKey`), or an
 * application key the server gave a session with `cluster.assign(session, key)` (a string).
 */
export type ClusterTarget = PublicKey | string

/** Longest application key, in characters. */
export const MAX_APP_KEY = 256

const idKeys = new WeakMap<PublicKey, string>()

/** The key of a client id in maps and on the bus (kept per key object: pushes to one client do not re-encode it). @internal */
export function idKey(id: PublicKey): string {
  let k = idKeys.get(id)
  if (k === undefined) idKeys.set(id, (k = `i${id.toBase64url()}`))
  return k
}

/** The key of an application key. @internal */
export function appKey(key: unknown, name = 'key'): string {
  if (typeof key !== 'string')
    throw new TypeError(`"${name}" expected a string (an application key) or a PublicKey (a client id), got ${key === null ? 'null' : typeof key}`)
  if (key.length === 0 || key.length > MAX_APP_KEY) throw new RangeError(`"${name}" expected 1..${MAX_APP_KEY} characters, got ${key.length}`)
  return `k${key}`
}

/** The map key of a target; TypeError/RangeError for anything else. @internal */
export function targetKey(target: unknown): string {
  if (isPublicKey(target)) return idKey(target as PublicKey)
  return appKey(target, 'target')
}

/** A target key for people: the base64url id or the application key. @internal */
export function describeKey(key: string): string {
  return key.slice(1)
}
