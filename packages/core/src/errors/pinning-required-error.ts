import { brandOf, hasBrand, KiloError } from './kilo-error.js'

const BRAND = brandOf('PinningRequiredError')

/** The message of {@link PinningRequiredError}: how to pin, in three ways. */
export const PINNING_REQUIRED_MESSAGE =
  'connect() needs to know which server to trust: without it anyone on the network path can answer in its place ' +
  '(Kiloparsec has no certificate authority: the pin is the check). Pass one of:\n' +
  "  serverId: '<the server's id>'        pin its Ed25519 public key (the server prints it: key.publicKey.toString())\n" +
  '  knownServers: <a KnownServers store>  trust on first use, like SSH known_hosts: fileKnownServers(path) from\n' +
  "                                        '@kp/core/known-servers-file' in Node, localStorageKnownServers() in browsers\n" +
  '  insecureAcceptAnyServer: true         no check at all, for tests and local experiments only'

/**
 * `connect` was given no way to check the server: no `serverId`, no `knownServers`, and no
 * explicit `insecureAcceptAnyServer: true`. Code `'kp.PinningRequired'`; thrown by `connect`
 * itself (a configuration mistake, never retried). The message lists the three choices.
 */
export class PinningRequiredError extends KiloError {
  readonly [BRAND] = true

  constructor() {
    super('kp.PinningRequired', PINNING_REQUIRED_MESSAGE)
    this.name = 'PinningRequiredError'
  }

  static override isInstance(e: unknown): e is PinningRequiredError {
    return hasBrand(e, BRAND)
  }
}
