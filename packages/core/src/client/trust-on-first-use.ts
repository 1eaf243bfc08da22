import { PublicKey } from '@kp/crypto'
import { KnownServerMismatchError } from '../errors/known-server-mismatch-error.js'
import { assertKnownServers, assertServerName, type KnownServers } from './known-servers.js'

/** What trust on first use did: `known`, the id matched the record; `recorded`, first use. */
export type TrustOutcome = 'known' | 'recorded'

/** Reads the record of `name`, normalised to a PublicKey of this package (stores may return strings by mistake). */
export async function knownId(store: KnownServers, name: string): Promise<PublicKey | null> {
  const id = await store.get(name)
  return id === null || id === undefined ? null : PublicKey.from(id)
}

/** Throws `KnownServerMismatchError` unless `seen` is `known`. */
export function assertSameServer(store: KnownServers, name: string, known: PublicKey, seen: PublicKey): void {
  if (!known.equals(seen)) throw new KnownServerMismatchError({ serverName: name, knownId: known, seenId: seen, location: store.locate(name) })
}

/** Records `seen` for `name` unless another writer got there first with another id. */
export async function recordServer(store: KnownServers, name: string, seen: PublicKey): Promise<void> {
  const onRecord = await store.add(name, seen)
  assertSameServer(store, name, PublicKey.from(onRecord), seen)
}

/**
 * Trust on first use in one call, as SSH does with `known_hosts`: the first time `name` is
 * seen its id is recorded in `store` (`'recorded'`); afterwards the id must match the record
 * (`'known'`), else `KnownServerMismatchError` (code `'kp.KnownServerChanged'`) with both ids,
 * where the record is and what to do. `seenId` must already be verified (the handshake
 * signature). The client does the same in two steps around the handshake, see `prepareServerCheck`.
 *
 * @example
 * ```ts
 * const outcome = await trustOnFirstUse(fileKnownServers('known_servers'), 'example.com:4000', client.remoteId!)
 * ```
 */
export async function trustOnFirstUse(store: KnownServers, name: string, seenId: PublicKey | Uint8Array | string): Promise<TrustOutcome> {
  assertKnownServers(store, 'store')
  assertServerName(name)
  const seen = PublicKey.from(seenId)
  const known = await knownId(store, name)
  if (known) {
    assertSameServer(store, name, known, seen)
    return 'known'
  }
  await recordServer(store, name, seen)
  return 'recorded'
}
