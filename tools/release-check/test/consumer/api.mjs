// Shared by every consumer program: one command, served the same way on every transport.
import { bp, command, KiloInterface } from '@kp/core'

export const cmdPing = command('ping', bp.string, bp.string)

/** The one interface every server in these programs serves. */
export function makeApi() {
  return new KiloInterface().on(cmdPing, (text) => `pong: ${text}`)
}
