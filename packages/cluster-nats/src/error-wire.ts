import type { Schema } from '@kp/bipack'
import { ApplicationError, type ApplicationErrorClass, ConnectionClosedError, KiloError, RemoteError, TimeoutError } from '@kp/core'
import { ClientNotFoundError } from './errors/client-not-found-error.js'
import { ClusterLimitError } from './errors/cluster-limit-error.js'

const EMPTY: Uint8Array = new Uint8Array(0)

/** An error as it crosses the bus. @internal */
export interface WireError {
  code: string
  message: string
  data: Uint8Array
}

/**
 * What a node sends back when its client's call failed: an application error keeps its code and
 * payload (encoded with its class's schema), a library error its `kp.` code and message, anything
 * else is `kp.Internal`. @internal
 */
export function errorToWire(e: unknown): WireError {
  if (ApplicationError.isInstance(e)) {
    const schema = (e.constructor as { dataSchema?: Schema<unknown> | null }).dataSchema
    let data = EMPTY
    if (schema) {
      try {
        data = schema.encode(e.data)
      } catch {
        // a payload that does not encode travels without it
      }
    }
    return { code: e.code, message: e.message, data }
  }
  if (RemoteError.isInstance(e)) return { code: e.code, message: e.message, data: e.data }
  if (ConnectionClosedError.isInstance(e)) return { code: e.code, message: e.reason, data: EMPTY }
  if (KiloError.isInstance(e)) return { code: e.code, message: e.message, data: EMPTY }
  return { code: 'kp.Internal', message: 'internal error on the node that holds the client', data: EMPTY }
}

type Registry = Map<string, ApplicationErrorClass<unknown>>

/** The application error classes `defineError` registered in this realm (shared by every copy of @kp/core). */
function registry(): Registry | undefined {
  return (globalThis as unknown as Record<symbol, Registry | undefined>)[Symbol.for('kp.errorRegistry')]
}

/**
 * The error the caller sees for a wire error: the registered application error class for its
 * code (as a direct call would give), `ClientNotFoundError`, `TimeoutError`,
 * `ConnectionClosedError` (outcome unknown), `ClusterLimitError`, else `RemoteError`. @internal
 */
export function wireToError(w: WireError, target: string, timeoutMs: number, what: string): Error {
  switch (w.code) {
    case 'kp.ClientNotFound':
      return new ClientNotFoundError(target, w.message)
    case 'kp.Timeout':
      return new TimeoutError(what, timeoutMs, { detail: 'on the node that holds the client' })
    case 'kp.ConnectionClosed':
      return new ConnectionClosedError(w.message, { outcome: 'unknown' })
    case 'kp.ClusterLimit':
      return new ClusterLimitError('maxIncomingCalls', w.message)
  }
  const cls = w.code.startsWith('kp.') ? undefined : registry()?.get(w.code)
  if (cls) {
    try {
      const payload = cls.dataSchema ? cls.dataSchema.decode(w.data) : undefined
      return new (cls as unknown as new (m: string, d: unknown) => Error)(w.message, payload)
    } catch {
      // a payload that does not decode: RemoteError below
    }
  }
  return new RemoteError(w.code, w.message, w.data.slice())
}
