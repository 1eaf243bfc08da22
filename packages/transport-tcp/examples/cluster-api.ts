// The interface of examples/cluster.ts, shared by its server and its clients (importing the
// example itself would run it).
import { bp, command } from '@kp/core'

/** Which process answered. */
export const cmdWhoami = command('whoami', bp.unit, bp.struct({ pid: bp.uint, worker: bp.uint }))
