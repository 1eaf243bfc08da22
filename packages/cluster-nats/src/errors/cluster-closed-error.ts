import { KiloError, type KiloErrorOptions } from '@kp/core'
import { brandOf, hasBrand } from './brand.js'

const BRAND = brandOf('ClusterClosedError')

/** The cluster (this node's side of it) is closed, or its bus failed: nothing more is sent. */
export class ClusterClosedError extends KiloError {
  readonly [BRAND] = true

  constructor(detail = 'the cluster is closed', options?: KiloErrorOptions) {
    super('kp.ClusterClosed', detail, options)
    this.name = 'ClusterClosedError'
  }

  static override isInstance(e: unknown): e is ClusterClosedError {
    return hasBrand(e, BRAND)
  }
}
