import type { PublicKey } from '@kp/crypto'
import { ProtocolError } from '../errors/protocol-error.js'
import type { ResumeRefusal } from '../errors/resume-refused-error.js'
import type { LinkClose } from '../link/close-code.js'
import { GateUser } from '../link/gate-user.js'
import type { Link } from '../link/link.js'
import { writeRefused } from '../protocol/messages.js'
import type { Session } from '../rpc/session.js'
import type { ResumeRegistry } from './resume-registry.js'

/** What the gate tells the server. @internal */
export interface ResumeGateHost<S> {
  /** Null when the server does not offer resumption. */
  readonly registry: ResumeRegistry<S> | null
  /** The session moved to the new link. */
  resumed(session: Session<S>): void
  /** The link ended without a resumed session. */
  settled(): void
  debug(message: string): void
}

/**
 * A new link whose FINISH asked to resume (PROTOCOL.md 15): its first message must be RESUME.
 * The gate checks it against the registry and moves the old session to this link (RESUMED), or
 * sends REFUSED with the reason and closes. The cost of a bad attempt is this handshake. @internal
 */
export class ResumeGate<S> extends GateUser {
  protected readonly awaiting = 'RESUME'
  private done = false

  constructor(
    private readonly link: Link,
    private readonly th3: Uint8Array,
    private readonly clientId: PublicKey | null,
    private readonly host: ResumeGateHost<S>,
  ) {
    super()
  }

  resume(id: Uint8Array, proof: Uint8Array, received: number): void {
    if (this.done) throw new ProtocolError('RESUME received twice')
    this.done = true
    const registry = this.host.registry
    if (registry === null) return this.refuse('off')
    const found = registry.check(id, proof, this.th3, this.clientId)
    if (typeof found === 'string') return this.refuse(found)
    const refusal = found.resumeOn(this.link, received, true)
    if (refusal !== null) return this.refuse(refusal)
    this.host.resumed(found)
  }

  private refuse(reason: ResumeRefusal): void {
    this.host.debug(`resume from ${this.link.remoteAddress} refused: ${reason}`)
    writeRefused(this.link.records.reserve(2 + reason.length), reason)
    this.link.records.flush()
    this.link.close(`resume refused: ${reason}`, { sendClose: false, code: 'local' })
  }

  linkClosed(_close: LinkClose): void {
    this.host.settled()
  }
}
