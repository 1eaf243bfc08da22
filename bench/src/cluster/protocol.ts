/** What the cluster benchmark's processes share: kp commands and the IPC messages. */
import { bp, command } from '@kp/core'

/** Systems compared: Kiloparsec nodes through NATS (sealed or plain bus), socket.io nodes through Redis. */
export const SYSTEMS = ['kp-nats-sealed', 'kp-nats', 'socketio-redis'] as const
export type SystemName = (typeof SYSTEMS)[number]

/** Phase tags of a tick push. */
export const LATENCY = 0
export const BURST = 1

/** A push to one client: phase, sequence number, send time (ms since the epoch, sub-ms). */
export const cmdTick = command('tick', bp.struct({ phase: bp.u8, seq: bp.int, t: bp.f64 }), bp.unit)
/** A publish to the fan-out topic. */
export const cmdFan = command('fan', bp.struct({ seq: bp.int, t: bp.f64 }), bp.unit)

/** The fan-out topic (kp) / room (socket.io). */
export const FAN_TOPIC = 'fan'

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes of one machine. */
export function now(): number {
  return performance.timeOrigin + performance.now()
}

/** Orchestrator → server node. */
export type ServerCommand =
  | { cmd: 'latency'; target: string; n: number; intervalMs: number }
  | { cmd: 'burst'; target: string; n: number }
  | { cmd: 'fanout'; n: number; gapMs: number }
  | { cmd: 'cpu' }

/** Orchestrator → client process. */
export type ClientCommand = { cmd: 'report' } | { cmd: 'connect'; count: number }

/** Child → orchestrator. */
export type ChildReply =
  | { type: 'ready'; port?: number; id?: string }
  | { type: 'done'; startedAt: number; sessions?: number }
  | { type: 'cpu'; userUs: number; systemUs: number; rss: number }
  | { type: 'connected'; count: number; ms: number; ids: string[] }
  | { type: 'report'; report: ClientReport }
  | { type: 'fatal'; error: string }

/** What a client process measured. */
export interface ClientReport {
  /** Latency samples of the latency phase (ms). */
  latency: number[]
  burstCount: number
  burstLastAt: number
  /** Fan-out: per publish, how many members got it and the latest arrival (ms after the send). */
  fan: Record<number, { count: number; max: number }>
  /** Fan-out latency samples (ms) of every member and publish. */
  fanSamples: number[]
  rss: number
}
