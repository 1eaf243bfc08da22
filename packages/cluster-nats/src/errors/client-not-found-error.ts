import { KiloError, type KiloErrorOptions } from '@kp/core'
import { brandOf, hasBrand } from './brand.js'

const BRAND = brandOf('ClientNotFoundError')

/**
 * A push or call was addressed to a client that no node of the cluster holds: not connected here,
 * not in the presence table, or the node the table named no longer holds it.
 */
export class ClientNotFoundError extends KiloError {
  /** The target as given (`remoteId` in base64url, or the application key). */
  readonly target: string
  readonly [BRAND] = true

  constructor(target: string, detail = 'no node of the cluster holds a session for it', options?: KiloErrorOptions) {
    super('kp.ClientNotFound', `client ${target} not found: ${detail}`, options)
    this.name = 'ClientNotFoundError'
    this.target = target
  }

  static override isInstance(e: unknown): e is ClientNotFoundError {
    return hasBrand(e, BRAND)
  }
}
