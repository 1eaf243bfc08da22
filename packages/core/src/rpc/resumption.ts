import type { LinkClose } from '../link/close-code.js'
import { ParkedOutbox } from '../link/parked-outbox.js'
import { ResumeBuffer } from '../link/resume-buffer.js'

/** What makes a session resumable (PROTOCOL.md 15). @internal */
export interface ResumeSettings {
  /** The resume key, derived from this session's handshake (never sent). */
  key: Uint8Array
  /** Bytes of unacknowledged messages kept at most; past it the session ends. */
  maxBytes: number
  /** Server: the resume id it announces. Client: unset until SESSION arrives. */
  id?: Uint8Array | undefined
  /** Server: how long an interrupted session waits. Client: from SESSION. */
  windowMs?: number | undefined
}

/** Link endings a resumable session survives: the network, not a decision of either side. */
const SURVIVABLE: ReadonlySet<string> = new Set(['transport', 'idle', 'dead-link', 'replaced'])

/**
 * The resumable part of one session: its id and key, the kept segments, and while it has no
 * link, where it writes and the window timer. @internal
 */
export class Resumption {
  id: Uint8Array | null
  windowMs: number
  readonly key: Uint8Array
  readonly buffer: ResumeBuffer
  /** While interrupted: where messages go (kept, sent on resume). */
  parked: ParkedOutbox | null = null
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(settings: ResumeSettings, onOverflow: (bytes: number) => void) {
    this.id = settings.id ?? null
    this.windowMs = settings.windowMs ?? 0
    this.key = settings.key
    this.buffer = new ResumeBuffer(settings.maxBytes, onOverflow)
  }

  /** True once both sides agreed (the server announced an id). */
  get active(): boolean {
    return this.id !== null
  }

  /** Whether a session survives a link that ended this way. */
  survives(close: LinkClose): boolean {
    return this.active && SURVIVABLE.has(close.code)
  }

  /** The link is gone: park, and end after the window unless resumed. */
  park(turnLimit: number, expired: () => void): ParkedOutbox {
    const parked = new ParkedOutbox(this.buffer, turnLimit)
    this.parked = parked
    this.timer = setTimeout(expired, this.windowMs)
    return parked
  }

  /** Resumed: stop the window timer; returns the parked outbox (its segment kept, its sources to move). */
  unpark(): ParkedOutbox | null {
    clearTimeout(this.timer)
    this.timer = undefined
    const p = this.parked
    this.parked = null
    p?.capture()
    return p
  }

  /** The session ended: nothing kept, no timer. */
  dispose(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.parked?.items?.stop()
    this.parked = null
    this.buffer.clear()
  }
}
