/**
 * What the cluster needs from a message engine: fire-and-forget publish of bytes on a subject,
 * subscriptions to exact subjects, and close. Nothing else: requests and replies, presence and
 * sealing are built on top, so an adapter for another engine (Redis pub/sub...) is these few
 * methods. Subjects are dot-separated tokens of `[A-Za-z0-9_-]`.
 */
export interface ClusterBus {
  /** Largest payload the engine carries, in bytes (NATS: the server's `max_payload`). */
  readonly maxPayload: number
  /**
   * Publishes `payload` to every subscriber of `subject` (other connections only: a bus does not
   * echo a node's own messages back to it). Fire and forget; throws when the bus is closed or
   * the payload is over `maxPayload`. The bus may keep `payload`: pass bytes you do not reuse.
   */
  publish(subject: string, payload: Uint8Array): void
  /**
   * Calls `handler` for every message on `subject` until the returned subscription is closed.
   * `data` is valid during the call only.
   */
  subscribe(subject: string, handler: BusHandler): BusSubscription
  /** Resolves once everything published so far reached the engine (NATS: a PING/PONG round). */
  flush(): Promise<void>
  /**
   * Adds a listener for the bus's own events: `'reconnect'` after the link to the engine came
   * back (messages may have been lost meanwhile), `'disconnect'`, `'error'` for what the engine
   * reports (a slow consumer, a permission violation), `'closed'` when the bus closed for good
   * (`error` says why when it was not asked to). Returns a function that removes the listener.
   */
  onEvent(listener: (event: BusEvent) => void): () => void
  /** Drains (delivers what was published) and closes. */
  close(): Promise<void>
}

/** Receives one message: its subject and payload. */
export type BusHandler = (subject: string, data: Uint8Array) => void

/** One subscription. */
export interface BusSubscription {
  /** Stops delivery to this subscription (idempotent). */
  unsubscribe(): void
}

/** Events of a {@link ClusterBus}. */
export type BusEvent =
  | { type: 'reconnect' }
  | { type: 'disconnect' }
  /** Something the engine reported that lost or refused messages (slow consumer, permission...). */
  | { type: 'error'; message: string }
  | { type: 'closed'; error?: Error | undefined }

const TOKEN = /^[A-Za-z0-9_-]+$/

/** Throws TypeError/RangeError unless `subject` is dot-separated tokens of `[A-Za-z0-9_-]`. @internal */
export function checkSubject(subject: unknown, name = 'subject'): string {
  if (typeof subject !== 'string') throw new TypeError(`"${name}" expected a string, got ${subject === null ? 'null' : typeof subject}`)
  if (subject.length === 0 || subject.length > 512 || !subject.split('.').every((t) => TOKEN.test(t))) {
    throw new RangeError(
      `"${name}" expected dot-separated tokens of letters, digits, '_' and '-' (at most 512 characters), got ${JSON.stringify(subject.slice(0, 64))}`,
    )
  }
  return subject
}
