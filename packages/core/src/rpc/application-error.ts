import type { Schema } from '@kp/bipack'
import { brandOf, hasBrand, KiloError } from '../errors/kilo-error.js'

const BRAND = brandOf('ApplicationError')
const REGISTRY_KEY = Symbol.for('kp.errorRegistry')

/** A registered application error class, as returned by {@link defineError}. */
export interface ApplicationErrorClass<D> {
  new (message: string, ...data: D extends undefined ? [data?: D] : [data: D]): ApplicationError<D>
  readonly code: string
  readonly dataSchema: Schema<D> | null
  /** True for an instance of this class, also across duplicate installs of the library. */
  isInstance(e: unknown): e is ApplicationError<D>
}

/**
 * Base of application errors that cross the wire with their code and payload and are re-created
 * as the same class on the caller's side (PROTOCOL.md 6.1). Make one with {@link defineError}.
 */
export class ApplicationError<D = undefined> extends KiloError {
  /** The payload, encoded on the wire with the class's data schema. */
  readonly data: D
  readonly [BRAND] = true

  constructor(code: string, message: string, data: D) {
    super(code, message)
    this.name = code
    this.data = data
  }

  static override isInstance(e: unknown): e is ApplicationError<unknown> {
    return hasBrand(e, BRAND)
  }
}

/**
 * The application error classes a side knows by code, to re-create them on the caller's side.
 * `defineError` registers into the realm's default registry; an application that shares its
 * process with others (two apps, two versions of one API) gives each its own registry
 * (`defineError(code, schema, { registry })` and the `errors` option of `serve` and `connect`),
 * so one cannot replace the other's classes.
 * @example
 * const errors = new ErrorRegistry()
 * export const NotFound = defineError('NotFound', undefined, { registry: errors })
 * serve(listener, api, { key, errors })
 */
export class ErrorRegistry {
  private readonly classes = new Map<string, ApplicationErrorClass<any>>()

  /** The class registered for `code`, if any. */
  get(code: string): ApplicationErrorClass<any> | undefined {
    return this.classes.get(code)
  }

  /** Registers a class (a later one for the same code replaces it: a module loaded twice). */
  set(code: string, cls: ApplicationErrorClass<any>): void {
    this.classes.set(code, cls)
  }
}

/** The realm's default registry, shared by duplicate installs of this package. */
export function defaultErrorRegistry(): ErrorRegistry {
  const g = globalThis as unknown as Record<symbol, ErrorRegistry | undefined>
  let r = g[REGISTRY_KEY]
  if (!(r instanceof ErrorRegistry) && !(r && typeof (r as ErrorRegistry).get === 'function' && typeof (r as ErrorRegistry).set === 'function')) {
    g[REGISTRY_KEY] = r = new ErrorRegistry()
  }
  return r as ErrorRegistry
}

/**
 * Defines and registers an application error class. Define it once in the shared api module so
 * both sides know it; a handler throws it, the caller catches an instance of the same class.
 * @example
 * export const NotFoundError = defineError('NotFound')
 * export const QuotaError = defineError('Quota', bp.struct({ limit: bp.int }))
 * throw new QuotaError('too many', { limit: 10 })
 */
export function defineError<D = undefined>(code: string, dataSchema?: Schema<D>, options?: { registry?: ErrorRegistry }): ApplicationErrorClass<D> {
  if (typeof code !== 'string' || code.length === 0 || code.length > 128) throw new TypeError('"code" expected a non-empty string of at most 128 characters')
  if (code.startsWith('kp.')) throw new RangeError(`"code" '${code}' is reserved: codes starting with "kp." belong to the library`)
  const schema = dataSchema ?? null
  const cls = class extends ApplicationError<D> {
    static readonly code = code
    static readonly dataSchema = schema
    constructor(message: string, data?: D) {
      super(code, message, data as D)
    }
    static override isInstance(e: unknown): e is ApplicationError<D> {
      return ApplicationError.isInstance(e) && e.code === code
    }
  }
  Object.defineProperty(cls, 'name', { value: code })
  // defining the same code again (module loaded twice, hot reload) replaces the class
  ;(options?.registry ?? defaultErrorRegistry()).set(code, cls as unknown as ApplicationErrorClass<D>)
  return cls as unknown as ApplicationErrorClass<D>
}
