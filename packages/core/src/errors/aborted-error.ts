import { brandOf, hasBrand, KiloError, type KiloErrorOptions } from './kilo-error.js'

const BRAND = brandOf('AbortedError')

/** The caller aborted an operation with its `AbortSignal`. */
export class AbortedError extends KiloError {
  readonly [BRAND] = true

  constructor(what: string, options?: KiloErrorOptions) {
    super('kp.Aborted', `${what} was aborted`, options)
    this.name = 'AbortedError'
  }

  static override isInstance(e: unknown): e is AbortedError {
    return hasBrand(e, BRAND)
  }
}
