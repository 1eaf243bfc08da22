import { NotSupportedError } from '../errors/not-supported-error.js'
import { ErrorCode } from '../protocol/constants.js'
import type { IdAllocator } from '../rpc/id-allocator.js'
import type { AnyStreamDefinition } from './definitions.js'
import { checkEnded, checkOpen, refuseOpen } from './open-rules.js'
import type { AnyIterator } from './sources.js'
import type { StreamHost } from './stream-host.js'
import type { StreamState } from './stream-state.js'

/** A session's streams as the session and its link use them: {@link NoStreams}, or the stream table once stream code is loaded. @internal */
export interface SessionStreams {
  /** Streams open, both sides. */
  readonly size: number
  /** Streams the peer has open on this side. */
  readonly peerStreams: number
  /** Bytes the streams hold (items read and not taken, items encoded and not written). */
  readonly heldBytes: number
  /** The highest id the peer opened a stream with. */
  readonly lastTheirs: number
  /** The connect hooks have finished (handlers of the peer's streams may start). */
  readonly started: boolean
  open(def: AnyStreamDefinition, args: Uint8Array, source: AnyIterator<unknown> | null, window: number, signal: AbortSignal | undefined): StreamState
  onOpen(id: number, flags: number, name: string, credit: number, argBytes: Uint8Array): void
  onItem(ref: number, data: Uint8Array): void
  onCredit(ref: number, n: number): void
  onEnd(ref: number, value: Uint8Array): void
  onFail(ref: number, code: string, message: string, data: Uint8Array): void
  onStop(ref: number): void
  onCancel(id: number): void
  hooksFinished(): void
  closeAll(reason: string, cause: Error | undefined): void
}

/**
 * The streams of a session while no stream code is loaded (no `stream()`, `sink()` or
 * `channel()` definition exists in this program, so no handler can serve one): every OPEN of the
 * peer passes the same checks as with the table and is refused (kp.UnknownCommand, or
 * kp.NotSupported on plain UDP); messages crossing a refusal are dropped, messages for streams
 * that never existed close the link. Keeps stream code out of a client's bundle until a
 * definition brings it in. @internal
 */
export class NoStreams implements SessionStreams {
  lastTheirs = 0
  started = false

  constructor(
    private readonly host: StreamHost<unknown>,
    private readonly ids: IdAllocator,
  ) {}

  get size(): number {
    return 0
  }
  get peerStreams(): number {
    return 0
  }
  get heldBytes(): number {
    return 0
  }

  open(def: AnyStreamDefinition): never {
    throw new NotSupportedError(`${def.shape} '${def.name}': no stream code is loaded (make definitions with stream(), sink() or channel())`)
  }

  onOpen(id: number, flags: number, name: string, credit: number): void {
    const shape = checkOpen(id, this.lastTheirs, flags, name, credit)
    this.lastTheirs = id
    const refused = this.host.streamsRefused
    if (refused !== null) refuseOpen(this.host, id, flags, ErrorCode.NotSupported, `${shape} '${name}': ${refused}`)
    else refuseOpen(this.host, id, flags, ErrorCode.UnknownCommand, `unknown ${shape} '${name}'`)
  }
  onItem(ref: number): void {
    checkEnded(ref, 'ITEM', this.lastTheirs, this.ids.last)
  }
  onCredit(ref: number): void {
    checkEnded(ref, 'CREDIT', this.lastTheirs, this.ids.last)
  }
  onEnd(ref: number): void {
    checkEnded(ref, 'END', this.lastTheirs, this.ids.last)
  }
  onFail(ref: number): void {
    checkEnded(ref, 'FAIL', this.lastTheirs, this.ids.last)
  }
  onStop(ref: number): void {
    checkEnded(ref, 'STOP', this.lastTheirs, this.ids.last)
  }
  onCancel(): void {}
  hooksFinished(): void {
    this.started = true
  }
  closeAll(): void {}
}
