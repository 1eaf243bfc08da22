import type { Transport } from '../transport/transport.js'

/** Sends a last unauthenticated frame (REJECT or COOKIE) before the transport closes; best effort. */
export function sendRefusal(transport: Transport, frame: Uint8Array): void {
  try {
    transport.send(frame)
  } catch {
    // the transport is already gone: nothing to tell
  }
}
