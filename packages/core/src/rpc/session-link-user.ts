import type { LinkClose } from '../link/close-code.js'
import type { LinkUser } from '../link/link.js'
import type { SessionStreams } from '../stream/no-streams.js'
import type { SessionIncoming } from './no-incoming-calls.js'
import type { OutgoingCalls } from './outgoing-calls.js'

/** The session as its link sees it: one small object per session (methods, not closures). @internal */
export class SessionLinkUser implements LinkUser {
  constructor(
    private readonly incoming: SessionIncoming,
    private readonly outgoing: OutgoingCalls,
    /** The session: its `streams` (a table that may be replaced once stream code loads). */
    private readonly owner: { readonly streams: SessionStreams },
    readonly linkClosed: (close: LinkClose) => void,
    /** Client, resumable: the server's SESSION (PROTOCOL.md 15); absent otherwise. */
    readonly session?: ((resumeId: Uint8Array, windowMs: number) => void) | undefined,
  ) {}
  call(id: number, command: string, args: Uint8Array): void {
    this.incoming.call(id, command, args)
  }
  push(command: string, args: Uint8Array): void {
    this.incoming.push(command, args)
  }
  result(id: number, value: Uint8Array): void {
    this.outgoing.onResult(id, value)
  }
  error(id: number, code: string, message: string, data: Uint8Array): void {
    this.outgoing.onError(id, code, message, data)
  }
  cancel(id: number): void {
    this.incoming.cancel(id)
    this.owner.streams.onCancel(id)
  }
  open(id: number, flags: number, command: string, credit: number, args: Uint8Array): void {
    this.owner.streams.onOpen(id, flags, command, credit, args)
  }
  item(ref: number, item: Uint8Array): void {
    this.owner.streams.onItem(ref, item)
  }
  credit(ref: number, n: number): void {
    this.owner.streams.onCredit(ref, n)
  }
  end(ref: number, value: Uint8Array): void {
    this.owner.streams.onEnd(ref, value)
  }
  fail(ref: number, code: string, message: string, data: Uint8Array): void {
    this.owner.streams.onFail(ref, code, message, data)
  }
  stop(ref: number): void {
    this.owner.streams.onStop(ref)
  }
}
