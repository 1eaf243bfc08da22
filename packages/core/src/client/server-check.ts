import { PublicKey } from '@kp/crypto'
import { HandshakeError } from '../errors/handshake-error.js'
import { PinningRequiredError } from '../errors/pinning-required-error.js'
import { type Logger, silentLogger } from '../util/logger.js'
import { assertKnownServers, assertServerName, type KnownServers } from './known-servers.js'
import { assertSameServer, knownId, recordServer } from './trust-on-first-use.js'

/**
 * How a client checks the server it reaches: exactly one of a pinned `serverId`, a
 * `knownServers` store (trust on first use), or an explicit `insecureAcceptAnyServer: true`.
 * With none of them `connect` throws `PinningRequiredError`.
 */
export interface PinningOptions {
  /** Pin: the handshake fails with `HandshakeError('pin-mismatch')` on any other server key. */
  serverId?: PublicKey | Uint8Array | string
  /**
   * Trust on first use: the server's id is recorded in this store at the first connection and
   * pinned afterwards; a changed key fails with `KnownServerMismatchError`.
   *
   * @example
   * ```ts
   * import { fileKnownServers } from '@kp/core/known-servers-file'
   * connect(tcpConnector({ host: 'example.com', port: 4000 }), {
   *   knownServers: fileKnownServers('~/.config/my-app/known_servers'),
   *   serverName: 'example.com:4000',
   * })
   * ```
   */
  knownServers?: KnownServers
  /**
   * The server's name in `knownServers`. Default: the transport's `remoteAddress` (the resolved
   * address, e.g. `"93.184.215.14:4000"`); name it as the user does (`"example.com:4000"`) so
   * that a changed DNS answer cannot pass for a first meeting.
   */
  serverName?: string
  /**
   * Accept any server key: no pin, no record. For tests and local experiments only: anyone on
   * the network path can answer as the server. Must be `true` to count.
   */
  insecureAcceptAnyServer?: boolean
}

/** The checked form of {@link PinningOptions}. @internal */
export type Pinning =
  | { readonly mode: 'pinned'; readonly serverId: PublicKey }
  | { readonly mode: 'known-servers'; readonly store: KnownServers; readonly serverName: string | undefined }
  | { readonly mode: 'insecure' }

/**
 * Checks the pinning options once, when `connect` is called: throws `PinningRequiredError`
 * when none is given, TypeError / RangeError for a wrong value or a contradiction.
 */
export function resolvePinning(o: PinningOptions): Pinning {
  const insecure = o.insecureAcceptAnyServer
  if (insecure !== undefined && typeof insecure !== 'boolean') throw new TypeError(`"insecureAcceptAnyServer" expected true or false, got ${typeof insecure}`)
  const serverName = o.serverName === undefined ? undefined : assertServerName(o.serverName, 'serverName')
  const given = [o.serverId !== undefined && 'serverId', o.knownServers !== undefined && 'knownServers', insecure === true && 'insecureAcceptAnyServer'].filter(
    Boolean,
  )
  if (given.length > 1) throw new RangeError(`"${given[0]}" and "${given[1]}" exclude each other: choose one way to check the server`)
  if (o.serverId !== undefined) return { mode: 'pinned', serverId: PublicKey.from(o.serverId) }
  if (o.knownServers !== undefined) return { mode: 'known-servers', store: assertKnownServers(o.knownServers), serverName }
  if (insecure === true) return { mode: 'insecure' }
  throw new PinningRequiredError()
}

/** What a {@link ServerCheck} concluded about one connection. */
export type ServerCheckOutcome = 'pinned' | 'known' | 'recorded' | 'unchecked'

/** The check of one connection attempt, made by {@link prepareServerCheck}. */
export interface ServerCheck {
  /**
   * Synchronous, for the handshake: call it right after WELCOME's signature verified and before
   * FINISH is sent, with the id the server proved. Throws `HandshakeError('pin-mismatch')`
   * (`KnownServerMismatchError` for a known server) when the id is not acceptable, so a wrong
   * server never learns the client's identity.
   */
  verify(serverId: PublicKey): void
  /**
   * After READY: records the id on first use (`'recorded'`, logged at info). Rejects with
   * `KnownServerMismatchError` when another writer recorded a different id for the same name
   * meanwhile (close the connection with it), or with the store's error.
   */
  confirm(serverId: PublicKey): Promise<ServerCheckOutcome>
}

/**
 * Prepares the check of one connection attempt: reads the store (the only asynchronous part)
 * before the handshake, so that `verify` can run synchronously inside it. `remoteAddress` is the
 * transport's, the default server name. Rejects with the store's error (`KnownServersError` for
 * a malformed file).
 */
export async function prepareServerCheck(pinning: Pinning, remoteAddress: string, logger: Logger = silentLogger): Promise<ServerCheck> {
  if (pinning.mode === 'pinned') {
    const pin = pinning.serverId
    return {
      verify(id) {
        if (!pin.equals(id)) {
          throw new HandshakeError(
            'pin-mismatch',
            `server id ${id.toString()} does not match the pinned id ${pin.toString()}; check that you reach the right server and that serverId is its current id`,
          )
        }
      },
      confirm: () => Promise.resolve('pinned'),
    }
  }
  if (pinning.mode === 'insecure') {
    return {
      verify() {},
      confirm(id) {
        logger.warn?.(`accepted server ${id.toString()} at ${remoteAddress} without any check (insecureAcceptAnyServer)`)
        return Promise.resolve('unchecked')
      },
    }
  }
  const { store } = pinning
  const name = pinning.serverName ?? assertServerName(remoteAddress, 'remoteAddress')
  const known = await knownId(store, name)
  return {
    verify(id) {
      if (known) assertSameServer(store, name, known, id)
    },
    async confirm(id) {
      if (known) {
        assertSameServer(store, name, known, id)
        return 'known'
      }
      await recordServer(store, name, id)
      logger.info?.(`first connection to "${name}": recorded its id ${id.toString()} (fingerprint ${id.fingerprint()}) in ${store.locate(name)}`)
      return 'recorded'
    },
  }
}
