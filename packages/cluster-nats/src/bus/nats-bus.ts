import { connect, type NatsConnection, type NodeConnectionOptions, type Subscription } from '@nats-io/transport-node'
import { ClusterClosedError } from '../errors/cluster-closed-error.js'
import { type BusEvent, type BusHandler, type BusSubscription, type ClusterBus, checkSubject } from './cluster-bus.js'

/**
 * Options of {@link natsBus}: the NATS client's own connection options, passed through as they are
 * (`servers`, `user`/`pass`, `token`, `authenticator` such as `credsAuthenticator(creds)`,
 * `tls: { caFile, certFile, keyFile }`, `name`, `maxReconnectAttempts`...). `noEcho` is always
 * set: a node never receives its own messages.
 */
export type NatsBusOptions = NodeConnectionOptions

/** How long `close()` lets the connection drain before it closes it. */
const DRAIN_WAIT_MS = 2000

/** A {@link ClusterBus} on NATS, with the connection it runs on. */
export interface NatsBus extends ClusterBus {
  /** The NATS connection (for its `stats()`, `rtt()`, `getServer()`). */
  readonly connection: NatsConnection
}

/**
 * Connects to NATS (the official client, `@nats-io/transport-node`) and returns a bus for one node.
 * Rejects like the client's `connect` when no server answers or credentials are refused.
 * @example
 * const bus = await natsBus({ servers: 'nats://10.0.0.5:4222', authenticator: credsAuthenticator(creds), tls: { caFile: 'ca.pem' } })
 */
export async function natsBus(options: NatsBusOptions = {}): Promise<NatsBus> {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected NATS connection options')
  const nc = await connect({ name: 'kp-cluster', ...options, noEcho: true })
  return new NatsClusterBus(nc)
}

class NatsClusterBus implements NatsBus {
  readonly connection: NatsConnection
  private readonly listeners = new Set<(e: BusEvent) => void>()
  private readonly subs = new Set<Subscription>()

  constructor(nc: NatsConnection) {
    this.connection = nc
    this.watch().catch(() => {})
    nc.closed().then(
      (error) => this.emit({ type: 'closed', error: error instanceof Error ? error : undefined }),
      (error: unknown) => this.emit({ type: 'closed', error: error instanceof Error ? error : new Error(String(error)) }),
    )
  }

  get maxPayload(): number {
    return this.connection.info?.max_payload ?? 1 << 20
  }

  publish(subject: string, payload: Uint8Array): void {
    if (this.connection.isClosed() || this.connection.isDraining()) throw new ClusterClosedError('the NATS connection is closed')
    this.connection.publish(subject, payload)
  }

  subscribe(subject: string, handler: BusHandler): BusSubscription {
    checkSubject(subject)
    if (this.connection.isClosed()) throw new ClusterClosedError('the NATS connection is closed')
    const sub = this.connection.subscribe(subject, {
      callback: (err, msg) => {
        if (err) this.emit({ type: 'error', message: `subscription ${subject}: ${err.message}` })
        else handler(msg.subject, msg.data)
      },
    })
    this.subs.add(sub)
    return {
      unsubscribe: () => {
        if (!this.subs.delete(sub)) return
        if (!this.connection.isClosed()) sub.unsubscribe()
      },
    }
  }

  flush(): Promise<void> {
    if (this.connection.isClosed()) return Promise.resolve()
    return this.connection.flush()
  }

  onEvent(listener: (e: BusEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async close(): Promise<void> {
    if (this.connection.isClosed()) return
    if (!this.connection.isDraining()) {
      // drain delivers what is published and pending; a server that is gone does not hold it
      const drained = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), DRAIN_WAIT_MS)
        this.connection.drain().then(
          () => {
            clearTimeout(t)
            resolve(true)
          },
          () => {
            clearTimeout(t)
            resolve(false)
          },
        )
      })
      if (drained) return
    }
    await this.connection.close()
  }

  private async watch(): Promise<void> {
    for await (const s of this.connection.status()) {
      if (s.type === 'reconnect') this.emit({ type: 'reconnect' })
      else if (s.type === 'disconnect') this.emit({ type: 'disconnect' })
      else if (s.type === 'slowConsumer') this.emit({ type: 'error', message: `slow consumer on ${s.sub.getSubject()}: messages were dropped` })
      else if (s.type === 'error') this.emit({ type: 'error', message: String(s.error?.message ?? s.error) })
    }
  }

  private emit(e: BusEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e)
      } catch (err) {
        queueMicrotask(() => {
          throw err
        })
      }
    }
  }
}
