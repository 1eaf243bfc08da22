import type { Schema } from '@kp/bipack'
import { ItemScheduler, type ItemTarget, type ScheduledSource } from '../link/item-scheduler.js'
import { ErrorCode } from '../protocol/constants.js'
import type { IncomingCall } from '../rpc/call-context.js'
import { errorToWire } from '../rpc/error-mapping.js'
import type { AnyStreamDefinition } from './definitions.js'
import type { Inflow, InflowHost } from './inflow.js'
import type { Outflow, OutflowHost } from './outflow.js'
import type { StreamHost, StreamTableOptions } from './stream-host.js'

const makeScheduler = (target: ItemTarget): ItemScheduler => new ItemScheduler(target)

const EMPTY: Uint8Array = new Uint8Array(0)

/** What a {@link StreamState} reports to the table that holds it. @internal */
export interface StreamOwner {
  readonly host: StreamHost<unknown>
  readonly options: StreamTableOptions
  peerLabel(): string
  txEnded(s: StreamState, error: unknown): void
  txFinished(s: StreamState): void
  writeCredit(s: StreamState, n: number): void
  rxStopped(s: StreamState): void
  /** Forgets `s` once both directions ended and its handler finished. */
  maybeRemove(s: StreamState): void
}

/** The sink opener's pending answer. */
export interface Answer {
  resolve(value: unknown): void
  reject(error: Error): void
  promise: Promise<unknown>
  schema: Schema<unknown>
}

/**
 * One stream, sink or channel, on either side. `tx` is the direction this side sends, `rx` the
 * one it receives; a direction without items (the opener's side of a stream, the callee's answer
 * of a sink) has no flow object but still a state. @internal
 */
export class StreamState implements OutflowHost, InflowHost {
  /** The reference this side writes (PROTOCOL.md 14): id × 2, plus 1 when the peer opened it. */
  readonly ref: number
  tx: Outflow<unknown> | null = null
  rx: Inflow<unknown> | null = null
  txOpen = false
  rxOpen = true
  /** Callee: the handler has not finished. */
  running = false
  /** Opener: OPEN was written (false while it waits for a slot). */
  sent = false
  /** Opener: the encoded arguments until OPEN is written. */
  args: Uint8Array | null = null
  /** Callee: the handler's context. */
  ctx: IncomingCall<unknown> | null = null
  /** Opener of a sink: the promise of the result. */
  answer: Answer | null = null
  signal: AbortSignal | undefined = undefined
  onAbort: (() => void) | undefined = undefined

  constructor(
    private readonly table: StreamOwner,
    readonly id: number,
    /** Opened by this side. */
    readonly mine: boolean,
    readonly def: AnyStreamDefinition,
    readonly what: string,
  ) {
    this.ref = id * 2 + (mine ? 0 : 1)
  }

  // OutflowHost
  get peerMaxMessage(): number {
    return this.table.host.peerMaxMessage
  }
  get limitHint(): string | undefined {
    return this.table.host.limitHint
  }
  encode<T>(schema: Schema<T>, value: T): Uint8Array {
    return this.table.host.encode(schema, value)
  }
  schedule(o: ScheduledSource): void {
    if (!this.table.host.isClosed) this.table.host.itemScheduler(makeScheduler).add(o)
  }
  ended(_o: Outflow<unknown>, error: unknown): void {
    this.table.txEnded(this, error)
  }
  finished(_o: Outflow<unknown>): void {
    this.table.txFinished(this)
  }
  failFields(error: unknown): { code: string; message: string; data: Uint8Array } {
    // the opener gives up instead (CANCEL): nothing of this is sent
    if (this.mine) return { code: ErrorCode.Internal, message: '', data: EMPTY }
    return errorToWire(error, this.def.name, this.table.peerLabel(), this.table.options.logger)
  }
  report(error: unknown): void {
    this.table.options.logger.warn?.(`finishing the producer of ${this.what} failed: ${(error as Error)?.stack ?? error}`)
  }

  // InflowHost
  grant(n: number): void {
    this.table.writeCredit(this, n)
  }
  stopped(): void {
    this.table.rxStopped(this)
  }
}
