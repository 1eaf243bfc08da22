import { ProtocolError } from '../errors/protocol-error.js'
import type { LinkClose } from './close-code.js'
import type { LinkUser } from './link.js'

/**
 * A link's user while a resume is being settled (PROTOCOL.md 15): any session message before
 * the one the gate waits for is a protocol error. Subclasses handle that message and the link's
 * end. @internal
 */
export abstract class GateUser implements LinkUser {
  /** The message the gate waits for, for the error text ("RESUME", "RESUMED"). */
  protected abstract readonly awaiting: string

  abstract linkClosed(close: LinkClose): void

  call(): void {
    this.early()
  }
  push(): void {
    this.early()
  }
  result(): void {
    this.early()
  }
  error(): void {
    this.early()
  }
  cancel(): void {
    this.early()
  }
  open(): void {
    this.early()
  }
  item(): void {
    this.early()
  }
  credit(): void {
    this.early()
  }
  end(): void {
    this.early()
  }
  fail(): void {
    this.early()
  }
  stop(): void {
    this.early()
  }
  private early(): never {
    throw new ProtocolError(`a session message before ${this.awaiting}`)
  }
}
