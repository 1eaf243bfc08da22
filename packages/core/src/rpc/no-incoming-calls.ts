import { ErrorCode } from '../protocol/constants.js'
import type { Logger } from '../util/logger.js'
import { clip } from './error-mapping.js'
import { type ErrorOutbox, sendCallError } from './send-error.js'

const EMPTY: Uint8Array = new Uint8Array(0)

/** The peer's calls and pushes as the session and its link hand them in: {@link NoIncomingCalls}, or the table of a `KiloInterface`. @internal */
export interface SessionIncoming {
  /** Calls whose handler has not finished. */
  readonly size: number
  /** True once the connect hooks ran (the disconnect hooks run only then). */
  readonly ready: boolean
  call(id: number, name: string, args: Uint8Array): void
  push(name: string, args: Uint8Array): void
  cancel(id: number): void
  hooksFinished(): void
  abortAll(error: Error | null): void
}

/**
 * The peer's calls to a session without a `KiloInterface` (a client that only calls): each CALL
 * is answered at once with kp.UnknownCommand, a PUSH is dropped (logged at debug), a CANCEL has
 * nothing to cancel. Nothing is kept, so nothing can pile up. Keeps the handler machinery
 * (IncomingCalls, its backlog, the handler context) out of a browser client that serves
 * nothing: only `KiloInterface` brings it in. @internal
 */
export class NoIncomingCalls implements SessionIncoming {
  ready = false

  constructor(
    private readonly host: ErrorOutbox,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return 0
  }
  call(id: number, name: string): void {
    sendCallError(this.host, id, ErrorCode.UnknownCommand, `unknown command '${clip(name, 255)}'`, EMPTY)
  }
  push(name: string): void {
    this.logger.debug?.(`push of unknown command '${clip(name, 64)}' ignored`)
  }
  cancel(): void {}
  hooksFinished(): void {
    this.ready = true
  }
  abortAll(): void {}
}
