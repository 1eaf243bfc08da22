/**
 * `@kp/core/arq`: the reliable datagram engine of PROTOCOL.md 9 (KCP-style ARQ) and a
 * deterministic network simulator to measure it. Pure logic: no sockets, no timers, no `node:`.
 *
 * ## Host contract (what a Connection in reliable UDP mode does)
 *
 * Create one engine per session, once the session keys exist:
 * ```ts
 * const arq = new ArqEngine({
 *   now: () => performance.now(),          // any monotonic ms clock; ts on the wire = floor(now) mod 2^32
 *   output: (payload) => sendArqFrame(payload), // seal NOW into 0x07 ‖ counter ‖ seal(...): the view
 *                                              // is reused after the call; must not re-enter the engine
 *   mtu: transport.maxFrame - (1 + 10 + 16),   // bytes of one ARQ payload before sealing
 *   deadLinkMs: idleTimeoutMs,                 // the session's idle timeout (PROTOCOL.md 9)
 *   maxMessage: announcedMaxMessage,           // server: the maxMessage of its READY
 *   onDead: (reason, error) => close(error ? reason : `dead link: ${reason}`, error),
 * })
 * // and on every close of the session: arq.close() (gives its bytes back to the memory budget)
 * ```
 * 1. **Sending.** At the end of a turn, pass the record plaintext built in that turn (one or more
 *    RPC messages, PROTOCOL.md 6) as ONE message: `arq.send(plaintext)` (copied), then
 *    `arq.flush()`. Refuse a message above `arq.maxMessageSize` (= 255 fragments of `arq.mss`;
 *    also `arqMaxMessageSize(mtu)`) with `MessageTooLargeError` before queueing it; `send`
 *    throws that same error itself if asked, and `ConnectionClosedError` once the link is dead.
 * 2. **Receiving.** For each ARQ frame that opens (replay window shared with RECORDs), call
 *    `arq.input(plaintext)`. It returns the messages (each a section-6 plaintext) that became
 *    deliverable, in order, exactly once; handle them as a RECORD's plaintext. Returned arrays
 *    may be views of `plaintext`: do not reuse that buffer. A malformed payload throws
 *    `ArqDecodeError` (`ArqDecodeError.isInstance(e)`, code `kp.ArqMalformed`) having changed
 *    nothing: drop the frame and count it, like a forged datagram; never close for it.
 * 3. **Flushing.** Call `arq.flush()` once at the end of every turn in which `send`, `input` or
 *    `resume` ran (the Connection's per-turn batching already gives that point). It sends the
 *    ACKs of that turn and new PUSHes together, in as few payloads as fit `mtu`.
 * 4. **The one timer.** After each flush (and after `onTimer`), read `arq.nextTimerAt()`:
 *    a clock time, or null when nothing is outstanding. Keep one timer per session armed for it;
 *    when it fires call `arq.onTimer()` (it flushes by itself) and re-arm. Calling `onTimer`
 *    early is harmless, so a host may keep an armed timer that is earlier than needed and
 *    re-arm only when `nextTimerAt()` is earlier than it. There is no polling loop: an idle
 *    session arms nothing (`interval` only floors `rto - srtt`, as in KCP).
 * 5. **Dead link.** A segment sent 20 times whose last copy also timed out, one unACKed for
 *    `deadLinkMs`, or data that waited `zeroWindowMs` (default `deadLinkMs`) for a peer window
 *    that stayed closed, calls `onDead(reason)` once; the engine then ignores everything
 *    (`arq.dead` holds the reason). Close the session then.
 * 5b. **Limits.** `onDead(reason, error)` also ends the link, with an error, when a `send`
 *    would hold more than `maxBuffered` bytes (default 4 MiB; `TransportError` `kp.SlowPeer`),
 *    when the memory budget refuses bytes (`kp.MemoryBudget`), or when a message being
 *    reassembled would pass `maxMessage` (`ProtocolError`). A payload longer than `mtu` is
 *    malformed. What the engine holds (`bufferedBytes`, `receiveBytes`) is charged, beyond
 *    16 KiB, to `processMemoryBudget()` (or `memoryBudget`), and given back on ACK and end.
 * 6. **Slow reader (optional).** `arq.pause()` holds complete messages (the peer sees the
 *    window shrink to 0, then probes with WASK); `arq.resume()` returns them and tells the
 *    peer (WINS) at the next flush.
 *
 * Beyond KCP: payloads that carry a new or retransmitted PUSH and have room left also carry
 * copies of other unACKed segments (`redundancy`, default 2 per transmission, oldest first).
 * That costs bytes, never packets, and repairs a lost packet one packet later instead of one
 * round trip later; it is what brings the 10%-loss average from KCP's 138 ms to about 96 ms.
 * Receivers cannot tell a copy from a retransmission (PROTOCOL.md 9 is unchanged).
 *
 * `arq.stats` counts packets, bytes, retransmissions by cause, duplicates, malformed payloads.
 * `runEcho` and `ArqSimulator` reproduce KCP's latency test (`pnpm --filter @kp/transport-udp
 * bench:arq`).
 *
 * @example
 * import { ArqEngine } from '@kp/core/arq'
 * const arq = new ArqEngine({ now: () => performance.now(), output: (p) => socketSend(p), mtu: 1200 })
 * arq.send(new TextEncoder().encode('hello'))
 * arq.flush()
 */
export { ArqEngine, arqMaxMessageSize, arqMss } from './engine.js'
export { type ArqEngineFactory, createArqEngine } from './create-engine.js'
export type { ArqEngineOptions, ArqStats } from './engine-options.js'
export { ARQ_SEGMENT_OVERHEAD, ARQ_VIEW_OVERHEAD } from './limits.js'
export { ArqDecodeError } from './arq-decode-error.js'
export { ArqDefaults, MAX_FRAGMENTS, SegTag } from './constants.js'
export { decodeArqPayload, encodeArqPayload, type ArqPayload, type ArqSegment } from './codec.js'
export {
  ArqSimulator,
  type ArqProfile,
  type EchoOptions,
  type EchoResult,
  type NetworkOptions,
  runEcho,
  seededRandom,
  SimLink,
  SimPeer,
  type SimulatorOptions,
} from './simulator.js'
