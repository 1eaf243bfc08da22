import { KiloError, type KiloErrorOptions } from '@kp/core'
import { brandOf, hasBrand } from './brand.js'

const BRAND = brandOf('NodeLostError')

/**
 * A remote call's node left the cluster (said goodbye, or missed its heartbeats) before it
 * answered: the call may or may not have run there.
 */
export class NodeLostError extends KiloError {
  /** The node's id (hex). */
  readonly node: string
  readonly [BRAND] = true

  constructor(node: string, reason: string, options?: KiloErrorOptions) {
    super('kp.NodeLost', `node ${node} left the cluster (${reason}) before answering: the call's outcome is unknown`, options)
    this.name = 'NodeLostError'
    this.node = node
  }

  static override isInstance(e: unknown): e is NodeLostError {
    return hasBrand(e, BRAND)
  }
}
