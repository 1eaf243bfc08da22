/** The small adapter every system under test implements, and what the processes exchange. */

/** One open client connection of a system under test. */
export interface Conn {
  /** Sends `s`, resolves with the server's echo of it. */
  echo(s: string): Promise<string>
  /** Sends `b`, resolves with the server's echo of it (base64 inside where the system has no binary type). */
  echoBytes(b: Uint8Array): Promise<Uint8Array>
  /** Closes the connection (best effort, bounded). */
  close(): Promise<void> | void
  /**
   * Systems with server → client streams: reads a stream of `count` items of `size` bytes (0:
   * endless, until `signal` aborts) and resolves with the number of items read. `each` runs for
   * every item in order and may be slow (a promise is awaited before the next item is read).
   */
  stream?(count: number, size: number, each: ((item: Uint8Array) => void | Promise<void>) | null, signal?: AbortSignal): Promise<number>
}

/** The client side of a system: opens fresh connections. */
export interface ClientAdapter {
  connect(): Promise<Conn>
  /** Called once at the end (shared resources, agents...). */
  dispose?(): Promise<void> | void
}

/** What a server process hands to its client (ports, keys to pin...), JSON only. */
export type ServerInfo = Record<string, unknown>

/** Where the TLS material lives (generated once per run by the orchestrator). */
export interface Env {
  certDir: string
  /** PEM of the self-signed Ed25519 certificate (clients pin it as their only CA). */
  cert: string
  /** PEM of its private key (servers only). */
  key: string
}

/** A system's server module: `systems/<name>/server.ts`. */
export interface ServerModule {
  startServer(env: Env): Promise<ServerInfo>
}

/** A system's client module: `systems/<name>/client.ts`. */
export interface ClientModule {
  createClient(info: ServerInfo, env: Env): ClientAdapter | Promise<ClientAdapter>
}

/** The four call measurements, and the four stream measurements (systems with streams). */
export type MeasureName = 'latency' | 'calls' | 'bytes' | 'connect' | 'stream_items' | 'stream_mb' | 'stream_rss' | 'stream_p99'

/** Sizes of one client run. */
export interface MeasureConfig {
  latencyCalls: number
  pipelinedCalls: number
  inFlight: number
  bigCalls: number
  bigInFlight: number
  bigSize: number
  connects: number
  warmupCalls: number
  /** Stream of small items: how many, of how many bytes. */
  streamItems: number
  streamItemSize: number
  /** Stream of large items: how many, of how many bytes. */
  streamBigItems: number
  streamBigSize: number
  /** Bytes of the stream that feeds a slow reader (large items), and its pace: 1 ms pause every `slowEvery` items. */
  rssBytes: number
  slowEvery: number
  /** Sequential small calls made while a stream saturates the connection. */
  saturationCalls: number
  /** Per-measurement bound, ms; beyond it the measurement is reported as failed. */
  timeoutMs: number
  measures: MeasureName[]
}

/** A server's CPU time so far (µs): all threads, and the main thread's share (null where unknown). */
export interface ServerCpu {
  us: number
  mainUs: number | null
}

/** CPU time per operation (call, or connect) of each process during one measurement, µs. */
export interface CpuCost {
  clientUs: number
  serverUs: number
  /** The part of each spent on the main thread (Linux only); the rest is V8's compiler and GC helper threads. */
  clientMainUs?: number
  serverMainUs?: number
}

/** One measurement's outcome. */
export type MeasureResult =
  | ({ name: 'latency'; ok: true; medianUs: number; p99Us: number } & { cpu?: CpuCost })
  | ({ name: 'calls'; ok: true; callsPerS: number } & { cpu?: CpuCost })
  | ({ name: 'bytes'; ok: true; mbPerS: number } & { cpu?: CpuCost })
  | ({ name: 'connect'; ok: true; medianMs: number; p99Ms: number } & { cpu?: CpuCost })
  | ({ name: 'stream_items'; ok: true; itemsPerS: number } & { cpu?: CpuCost })
  | ({ name: 'stream_mb'; ok: true; mbPerS: number } & { cpu?: CpuCost })
  | ({ name: 'stream_rss'; ok: true; clientMiB: number; serverMiB: number | null; seconds: number; stoppedBy?: string } & { cpu?: CpuCost })
  | ({ name: 'stream_p99'; ok: true; medianUs: number; p99Us: number; streamMbPerS: number } & { cpu?: CpuCost })
  | { name: MeasureName; ok: false; error: string }

/** Messages from child processes to the orchestrator. */
export type ChildMessage =
  | { type: 'ready'; info: ServerInfo }
  | { type: 'result'; result: MeasureResult }
  | { type: 'done' }
  | { type: 'fatal'; error: string }
  /** Client: the warm-up is over, the measurements start. */
  | { type: 'measuring' }
  /** Server: the profile asked for is written. */
  | { type: 'profiled' }
  /** Client: asks for the server's CPU time so far; server: the answer (µs, user + system; of it on the main thread, null where unknown). */
  | { type: 'cpu?'; id: number }
  | { type: 'cpu'; id: number; us: number; mainUs: number | null }
  /** Client: asks for the server's resident memory (and, with `reset`, restarts its peak sampler); server: the answer (bytes). */
  | { type: 'rss?'; id: number; reset: boolean }
  | { type: 'rss'; id: number; rss: number; peak: number }

/** Messages from the orchestrator to a child process. */
export type ParentMessage =
  | { type: 'profile'; action: 'start' }
  | { type: 'profile'; action: 'stop'; file: string }
  | { type: 'cpu?'; id: number }
  | { type: 'cpu'; id: number; us: number; mainUs: number | null }
  | { type: 'rss?'; id: number; reset: boolean }
  | { type: 'rss'; id: number; rss: number; peak: number }
