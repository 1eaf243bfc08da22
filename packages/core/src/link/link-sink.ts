import type { MessageSink, ReadyInfo, ResumeSink } from '../protocol/messages.js'
import type { LinkUser } from './link.js'

/** What {@link LinkSink} needs of its link. @internal */
export interface LinkSinkHost {
  readonly user: LinkUser | null
  /** A session message may be handled: false to drop it; throws a ProtocolError when it may never come. */
  admit(): boolean
  onReady(r: ReadyInfo): void
  onPing(): void
  onPong(): void
  onPeerClose(reason: string): void
}

/**
 * Where a link's decoded messages go: session messages to its user once admitted, link messages
 * to the link. One object per link, its methods on the prototype: no closure per link and
 * message kind (an idle server holds one link per session). @internal
 */
export class LinkSink implements MessageSink {
  constructor(
    private readonly link: LinkSinkHost,
    readonly resumption: ResumeSink,
  ) {}

  ready(r: ReadyInfo): void {
    this.link.onReady(r)
  }
  call(id: number, command: string, args: Uint8Array): void {
    if (this.link.admit()) this.link.user!.call(id, command, args)
  }
  push(command: string, args: Uint8Array): void {
    if (this.link.admit()) this.link.user!.push(command, args)
  }
  result(id: number, value: Uint8Array): void {
    if (this.link.admit()) this.link.user!.result(id, value)
  }
  error(id: number, code: string, message: string, data: Uint8Array): void {
    if (this.link.admit()) this.link.user!.error(id, code, message, data)
  }
  cancel(id: number): void {
    if (this.link.admit()) this.link.user!.cancel(id)
  }
  open(id: number, flags: number, command: string, credit: number, args: Uint8Array): void {
    if (this.link.admit()) this.link.user!.open(id, flags, command, credit, args)
  }
  item(ref: number, item: Uint8Array): void {
    if (this.link.admit()) this.link.user!.item(ref, item)
  }
  credit(ref: number, n: number): void {
    if (this.link.admit()) this.link.user!.credit(ref, n)
  }
  end(ref: number, value: Uint8Array): void {
    if (this.link.admit()) this.link.user!.end(ref, value)
  }
  fail(ref: number, code: string, message: string, data: Uint8Array): void {
    if (this.link.admit()) this.link.user!.fail(ref, code, message, data)
  }
  stop(ref: number): void {
    if (this.link.admit()) this.link.user!.stop(ref)
  }
  ping(): void {
    this.link.onPing()
  }
  pong(): void {
    this.link.onPong()
  }
  close(reason: string): void {
    this.link.onPeerClose(reason)
  }
}
