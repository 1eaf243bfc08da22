import { HandshakeError } from '../errors/handshake-error.js'
import { ProtocolError } from '../errors/protocol-error.js'
import { ResumeRefusedError } from '../errors/resume-refused-error.js'
import type { LinkClose } from '../link/close-code.js'
import { GateUser } from '../link/gate-user.js'
import type { Link } from '../link/link.js'
import { writeResume } from '../protocol/messages.js'
import type { Session } from '../rpc/session.js'
import { resumeProof } from '../handshake/key-schedule.js'

/**
 * The client's side of a resume attempt (PROTOCOL.md 15) on a new link: after READY it sends
 * RESUME (the session's id, the proof bound to this handshake, the segments it received), then
 * waits for RESUMED (the session moves to this link) or REFUSED. `done` is called once, with
 * null on success. @internal
 */
export class ClientResumeGate<S> extends GateUser {
  protected readonly awaiting = 'RESUMED'
  private finished = false

  constructor(
    private readonly target: Session<S>,
    private readonly link: Link,
    private readonly th3: Uint8Array,
    private readonly done: (error: Error | null) => void,
  ) {
    super()
  }

  /** READY arrived: prove the session is ours. */
  sendResume(): void {
    const r = this.target.resumption!
    writeResume(this.link.records.reserve(72), r.id!, resumeProof(r.key, this.th3), r.buffer.received)
  }

  resumed(received: number): void {
    if (this.finished) throw new ProtocolError('RESUMED received twice')
    const refusal = this.target.resumeOn(this.link, received, false)
    this.finish(refusal === null ? null : new ResumeRefusedError(refusal, 'the session cannot move to this link'))
  }

  refused(reason: string): void {
    if (this.finished) throw new ProtocolError('REFUSED after RESUMED')
    const code = ResumeRefusedError.reasonOf(reason)
    this.finish(new ResumeRefusedError(code, `the server refused to resume the session (${reason})`))
  }

  linkClosed(close: LinkClose): void {
    this.finish(new HandshakeError('malformed', `the connection ended before the session resumed: ${close.reason}`, { cause: close.error }))
  }

  private finish(error: Error | null): void {
    if (this.finished) return
    this.finished = true
    this.done(error)
  }
}
