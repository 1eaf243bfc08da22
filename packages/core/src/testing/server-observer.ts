import { KiloError } from '../errors/kilo-error.js'
import type { Transport, TransportListener } from '../transport/transport.js'
import type { CaseRecord } from './hostile-campaign.js'

/** One server-side transport as the observer saw it. */
export interface ObservedTransport {
  remoteAddress: string
  /** The first frame core received on it (up to 320 bytes), or null. */
  firstFrame: Uint8Array | null
  frames: number
  closed: boolean
  /** What the transport reported with its close (undefined: a clean close). */
  closeError: Error | undefined
}

/** A listener wrapper that records every transport it hands to core. */
export interface ListenerObserver {
  /** Hand this one to `serve`. */
  readonly listener: TransportListener
  /** Transports seen (all of them with `keep`, else none: only the counters). */
  readonly transports: ObservedTransport[]
  /** Transports accepted so far. */
  readonly accepted: number
  /** Transports not closed yet. */
  readonly open: number
  /** Closes by error code (`clean` for no error, `unnamed:<name>` for an error that is not a library error). */
  readonly closeCodes: Map<string, number>
}

/** The code a close is counted under. */
export function closeCode(e: Error | undefined): string {
  if (e === undefined) return 'clean'
  return KiloError.isInstance(e) ? e.code : `unnamed:${e?.name ?? typeof e}`
}

/**
 * Wraps a listener so that each accepted transport's frames and close are seen before core sees
 * them (`setHandlers` is intercepted). With `keep: false` only counters are kept (long runs).
 */
export function observeListener(inner: TransportListener, o: { keep?: boolean } = {}): ListenerObserver {
  const keep = o.keep ?? true
  const transports: ObservedTransport[] = []
  const closeCodes = new Map<string, number>()
  let accepted = 0
  let open = 0
  const watch = (t: Transport) => {
    const seen: ObservedTransport = { remoteAddress: t.remoteAddress, firstFrame: null, frames: 0, closed: false, closeError: undefined }
    accepted++
    open++
    if (keep) transports.push(seen)
    const setHandlers = t.setHandlers.bind(t)
    t.setHandlers = (h) =>
      setHandlers({
        frame(f) {
          if (seen.frames++ === 0 && keep) seen.firstFrame = f.slice(0, 320)
          h.frame(f)
        },
        close(e) {
          if (!seen.closed) {
            seen.closed = true
            seen.closeError = e
            open--
            const code = closeCode(e)
            closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1)
          }
          h.close(e)
        },
      })
  }
  const listener: TransportListener = {
    get address() {
      return inner.address
    },
    onConnection(accept) {
      inner.onConnection((t) => {
        watch(t)
        accept(t)
      })
    },
    close: () => inner.close(),
  }
  return {
    listener,
    transports,
    get accepted() {
      return accepted
    },
    get open() {
      return open
    },
    closeCodes,
  }
}

function key(f: Uint8Array): string {
  let s = `${f.length}:`
  for (let i = 0; i < f.length; i++) s += (f[i]! < 16 ? '0' : '') + f[i]!.toString(16)
  return s
}

/**
 * Checks the server side of a campaign: every transport closed, none with an error that is not
 * a library error (an exception that escaped core), and each sequence the server had to close
 * matched (by first frame) to a transport closed with one of its expected codes. Problems of a
 * sequence carry its record.
 */
export function checkServerSide(
  observer: ListenerObserver,
  records: readonly CaseRecord[],
  skip: ReadonlySet<ObservedTransport> = new Set(),
): { text: string; record?: CaseRecord }[] {
  const problems: { text: string; record?: CaseRecord }[] = []
  const byFirst = new Map<string, ObservedTransport[]>()
  for (const t of observer.transports) {
    if (skip.has(t)) continue
    if (!t.closed) problems.push({ text: `server-side transport from ${t.remoteAddress} (${t.frames} frames) is still open after the run drained` })
    else if (t.closeError !== undefined && !KiloError.isInstance(t.closeError)) {
      problems.push({ text: `server-side transport from ${t.remoteAddress} closed with a non-library error: ${t.closeError?.stack ?? t.closeError}` })
    }
    if (t.firstFrame) {
      const k = key(t.firstFrame)
      const list = byFirst.get(k)
      if (list) list.push(t)
      else byFirst.set(k, [t])
    }
  }
  for (const r of records) {
    if (r.expect !== 'close' || !r.firstFrame) continue
    const t = byFirst.get(key(r.firstFrame))?.shift()
    if (!t?.closed) continue // never reached core (dropped by the listener) or reported above
    const code = t.closeError === undefined ? null : KiloError.isInstance(t.closeError) ? t.closeError.code : undefined
    if (code === undefined) continue // reported above
    const codes = r.codes
    if (codes ? !codes.includes(code) : code === null) {
      const got = code === null ? 'a clean close' : `${code} (${t.closeError?.message.slice(0, 120)})`
      const want = codes ? codes.map((c) => c ?? 'a clean close').join(' or ') : 'a named error'
      problems.push({ text: `${r.name}: the server closed the connection with ${got}, expected ${want}`, record: r })
    }
  }
  return problems
}
