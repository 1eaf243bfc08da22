import { KiloError, type KiloErrorOptions } from '@kp/core'
import { brandOf, hasBrand } from './brand.js'

const BRAND = brandOf('ClusterLimitError')

/**
 * A cluster bound was reached: too many pending remote calls, topics, keys or presence entries.
 * `limit` names the option to raise (e.g. `'maxPendingCalls'`). Nothing was sent.
 */
export class ClusterLimitError extends KiloError {
  /** The option whose bound was reached. */
  readonly limit: string
  readonly [BRAND] = true

  constructor(limit: string, message: string, options?: KiloErrorOptions) {
    super('kp.ClusterLimit', message, options)
    this.name = 'ClusterLimitError'
    this.limit = limit
  }

  static override isInstance(e: unknown): e is ClusterLimitError {
    return hasBrand(e, BRAND)
  }
}
