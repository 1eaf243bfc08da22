/**
 * Why a link ended, as a code, so no caller decides anything by matching reason text.
 * - `local`: this side closed it (the application, or the session ending).
 * - `peer`: the peer sent CLOSE.
 * - `refused`: the server sent CLOSE in place of READY (the client was not authorized).
 * - `protocol`: the peer broke the protocol.
 * - `transport`: the transport closed or failed.
 * - `idle`: nothing was received for the idle timeout.
 * - `dead-link`: reliable datagram mode gave up retransmitting.
 * - `limit`: a bound was passed (slow peer, memory budget, message size in reassembly).
 * - `replaced`: a resumed link took this link's session over (PROTOCOL.md 15).
 * @internal
 */
export type CloseCode = 'local' | 'peer' | 'refused' | 'protocol' | 'transport' | 'idle' | 'dead-link' | 'limit' | 'replaced'

/** How a link ended. @internal */
export interface LinkClose {
  reason: string
  code: CloseCode
  error: Error | undefined
  /** The reason the peer gave in its CLOSE (codes `peer` and `refused`). */
  peerReason: string | undefined
}
