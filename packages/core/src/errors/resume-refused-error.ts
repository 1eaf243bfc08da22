import { brandOf, hasBrand, KiloError, type KiloErrorOptions } from './kilo-error.js'

const BRAND = brandOf('ResumeRefusedError')

/**
 * Why a session could not be resumed (PROTOCOL.md 15):
 * - `unknown`: the server holds no session with this resume id (never, expired, or restarted);
 * - `forged`: the proof does not verify (not the key of that session, or a replayed RESUME);
 * - `foreign`: the client's identity differs from the session's;
 * - `unauthorized`: `authorize` refused the client this time;
 * - `too-large`: a kept message does not fit the new link (a datagram after a stream transport);
 * - `expired`: the client's own window passed before a resume succeeded;
 * - `buffer`: more than `maxBytes` of unacknowledged messages;
 * - `off`: the server does not offer resumption.
 */
export type ResumeRefusal = 'unknown' | 'forged' | 'foreign' | 'unauthorized' | 'too-large' | 'expired' | 'buffer' | 'off'

const REASONS: ReadonlySet<string> = new Set(['unknown', 'forged', 'foreign', 'unauthorized', 'too-large', 'expired', 'buffer', 'off'])

/** A resumable session could not be resumed; the client starts a fresh session. */
export class ResumeRefusedError extends KiloError {
  /** Why, as a code (see {@link ResumeRefusal}). */
  readonly reason: ResumeRefusal
  readonly [BRAND] = true

  constructor(reason: ResumeRefusal, message: string, options?: KiloErrorOptions) {
    super('kp.ResumeRefused', `resume refused (${reason}): ${message}`, options)
    this.name = 'ResumeRefusedError'
    this.reason = reason
  }

  /** The code a peer sent, checked (anything else reads as `unknown`). */
  static reasonOf(code: string): ResumeRefusal {
    return REASONS.has(code) ? (code as ResumeRefusal) : 'unknown'
  }

  static override isInstance(e: unknown): e is ResumeRefusedError {
    return hasBrand(e, BRAND)
  }
}
