import { bytesToHex, constantTimeEqual, type PublicKey } from '@kp/crypto'
import type { ResumeRefusal } from '../errors/resume-refused-error.js'
import { resumeProof } from '../handshake/key-schedule.js'
import type { Session } from '../rpc/session.js'

export { resumeProof } from '../handshake/key-schedule.js'

/**
 * The resumable sessions of one server (all its listeners), by resume id: a client may come
 * back on any of them. Sessions are counted in `maxSessions` whether linked or waiting. @internal
 */
export class ResumeRegistry<S> {
  private readonly byId = new Map<string, Session<S>>()

  add(s: Session<S>): void {
    this.byId.set(bytesToHex(s.resumption!.id!), s)
  }

  delete(s: Session<S>): void {
    const id = s.resumption?.id
    if (id && this.byId.get(bytesToHex(id)) === s) this.byId.delete(bytesToHex(id))
  }

  /** Sessions waiting for their client (no link). */
  get waiting(): number {
    let n = 0
    for (const s of this.byId.values()) if (s.resumption!.parked) n++
    return n
  }

  /**
   * Checks a RESUME: the session exists, the proof is bound to this handshake (`th3`) under its
   * key, and the client is the same. Returns the session or why not.
   */
  check(id: Uint8Array, proof: Uint8Array, th3: Uint8Array, clientId: PublicKey | null): Session<S> | ResumeRefusal {
    if (id.length !== 16 || proof.length !== 32) return 'forged'
    const s = this.byId.get(bytesToHex(id))
    if (s === undefined || s.isClosed) return 'unknown'
    if (!constantTimeEqual(resumeProof(s.resumption!.key, th3), proof)) return 'forged'
    const was = s.remoteId
    if (was === null ? clientId !== null : clientId === null || !was.equals(clientId)) return 'foreign'
    return s
  }
}
