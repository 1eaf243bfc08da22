/** The adapters every system of the scale benchmark implements, and what its processes exchange. */

/** What a server process hands to the client processes (ports, keys to pin...), JSON only. */
export type ScaleInfo = Record<string, unknown>

/** A running server of one system. */
export interface ScaleServer {
  /** Where and how to connect; sent to every client process. */
  info: ScaleInfo
  /** Sessions established right now. */
  sessions(): number
  /**
   * Sends one push carrying `seq` to every session (encoded once where the system can); returns
   * how many sessions it was queued for.
   */
  broadcast(seq: number): number
  /** Counters worth printing (drops...), or nothing. */
  stats?(): Record<string, number> | Promise<Record<string, number>>
  close(): Promise<void>
}

/** Options every server gets. */
export interface ScaleServerOptions {
  /** Address to listen on (127.0.0.1). */
  host: string
  /** Sessions the run will open: connection limits are sized to it. */
  sessions: number
}

/** One server module: `systems/<name>/server.ts`. */
export interface ScaleServerModule {
  startServer(options: ScaleServerOptions): Promise<ScaleServer>
}

/** One client session of a system. */
export interface ScaleConn {
  /** One small call (a 16-byte echo); resolves with the answer checked. */
  call(): Promise<void>
  close(): void
}

/** Options of one client session. */
export interface ScaleConnectOptions {
  /** Local (source) address to connect from. */
  localAddress: string
  /** Called with the `seq` of each broadcast push received. */
  onPush(seq: number): void
}

/** One client module: `systems/<name>/client.ts`. */
export interface ScaleClientModule {
  /** Opens one session; resolves once a first call was answered. */
  connect(info: ScaleInfo, options: ScaleConnectOptions): Promise<ScaleConn>
}

/** A request from the orchestrator to a child, answered with a {@link Reply} of the same id. */
export interface Request {
  id: number
  op: string
  arg?: unknown
}

/** A child's answer, or its first message (`id` 0, op `ready`). */
export interface Reply {
  id: number
  ok: boolean
  value?: unknown
  error?: string
}

/** Latencies in buckets of 0.1 ms (index = round(ms × 10)), sparse: bucket → count. */
export type Histogram = Record<number, number>

/** What a client process answers to `connect`. */
export interface ConnectReport {
  ok: number
  failed: number
  /** Connects retried after a refusal (busy, full) or a timeout. */
  retries: number
  ms: number
  errors: string[]
}

/** What a client process answers to `load`. */
export interface LoadReport {
  /** Calls started in the measured window and answered. */
  calls: number
  /** Calls started in the measured window that failed (timeout, closed...). */
  errors: number
  errorSample: string[]
  hist: Histogram
  /** Calls that should have started in the window but were late by more than 100 ms (client overloaded). */
  lateStarts: number
}

/** What a client process answers to `pushes`. */
export interface PushReport {
  /** Sessions that received push `seq`. */
  count: number
  /** Latest arrival, ms since the epoch (performance.timeOrigin + now). */
  lastAt: number
  firstAt: number
}
