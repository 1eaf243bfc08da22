/** What the orchestrator and its child processes tell each other over IPC. */
import type { GoodClientReport } from '@kp/core/testing'

/** The server's state, as the orchestrator reports it. */
export interface ServerState {
  rssMb: number
  /** `heapUsed` after a full gc (the server runs with --expose-gc). */
  heapMb: number
  sessionCount: number
  halfOpenCount: number
  counters: Record<string, number>
}

/** Per-case totals of an attacker, for the report. */
export interface CaseLine {
  name: string
  runs: number
  frames: number
  problems: number
}

export type ChildMessage =
  | { type: 'ready'; port: number; serverId: string }
  | { type: 'state'; id: number; state: ServerState }
  | { type: 'fatal'; error: string }
  | { type: 'connected' }
  | { type: 'report'; report: GoodClientReport }
  | { type: 'progress'; frames: number; sequences: number }
  | {
      type: 'done'
      frames: number
      sequences: number
      refused: number
      connectFailures: number
      problems: string[]
      problemCount: number
      cases: CaseLine[]
      elapsedMs: number
    }

export type ParentMessage = { type: 'state?'; id: number } | { type: 'stop' }
