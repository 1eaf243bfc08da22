import { defaultLogger, integerOption, type Logger } from '@kp/core'
import { checkSubject } from './bus/cluster-bus.js'

/** Options of {@link createCluster}. Every bound has a default; see the README for what each costs. */
export interface ClusterOptions {
  /** This node's name, for people (logs, `nodes()`); default `node-<first 8 hex digits of its id>`. */
  name?: string
  /** First subject tokens of every bus subject (default `'kp.cluster'`): clusters sharing one NATS use different prefixes. */
  subjectPrefix?: string
  /**
   * 32-byte cluster key: every bus payload is sealed with ChaCha20-Poly1305 under a per-node key
   * derived from it, and payloads that do not open are dropped and counted. Every node needs the
   * same key. Without it payloads travel in the clear on the bus (as with socket.io's Redis adapter).
   */
  key?: Uint8Array
  /** How often a node says it is alive, ms (default 1000). */
  heartbeatMs?: number
  /**
   * A node not heard from for this long is forgotten with all its clients, ms (default 5000,
   * at least twice `heartbeatMs`). A node that closes says goodbye and is forgotten at once.
   */
  nodeTimeoutMs?: number
  /** Timeout of `call` when the call gives none, ms (default 10 000); also the most a remote node waits. */
  callTimeoutMs?: number
  /** Largest bus payload, bytes (default: the bus's, NATS's `max_payload`, 1 MiB by default). */
  maxPayload?: number
  /** Remote calls this node waits for at once (default 10 000); beyond, `ClusterLimitError`. */
  maxPendingCalls?: number
  /** Calls from other nodes this node runs at once (default 10 000); beyond, the caller gets `ClusterLimitError`. */
  maxIncomingCalls?: number
  /** Topics with members on this node (default 100 000): one bus subscription each. */
  maxTopics?: number
  /** Topics one session may join (default 1000). */
  maxTopicsPerSession?: number
  /** Application keys one session may hold (default 16). */
  maxKeysPerSession?: number
  /** Entries (client, node) in the presence table of other nodes (default 1 000 000). */
  maxPresence?: number
  /** Other nodes this node tracks (default 1000). */
  maxNodes?: number
  /** Where warnings go (default: core's `defaultLogger`, warnings on the console). */
  logger?: Logger
}

/** @internal */
export interface ResolvedClusterOptions {
  name: string | undefined
  subjectPrefix: string
  key: Uint8Array | null
  heartbeatMs: number
  nodeTimeoutMs: number
  callTimeoutMs: number
  maxPayload: number | undefined
  maxPendingCalls: number
  maxIncomingCalls: number
  maxTopics: number
  maxTopicsPerSession: number
  maxKeysPerSession: number
  maxPresence: number
  maxNodes: number
  logger: Logger
}

const MAX_INT = 2 ** 31 - 1

/** Checks and fills in the options. @internal */
export function resolveClusterOptions(o: ClusterOptions = {}): ResolvedClusterOptions {
  if (typeof o !== 'object' || o === null) throw new TypeError('"options" expected an object')
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name.length === 0 || o.name.length > 128)) {
    throw new TypeError('"name" expected a string of 1..128 characters')
  }
  if (o.key !== undefined && !(o.key instanceof Uint8Array)) throw new TypeError('"key" expected a Uint8Array of 32 bytes')
  if (o.key !== undefined && o.key.length !== 32) throw new RangeError(`"key" expected a Uint8Array of length 32, got length=${o.key.length}`)
  const heartbeatMs = integerOption('heartbeatMs', o.heartbeatMs, 1000, 10, 600_000)
  const nodeTimeoutMs = integerOption('nodeTimeoutMs', o.nodeTimeoutMs, Math.max(5000, 2 * heartbeatMs), 2 * heartbeatMs, 3_600_000)
  return {
    name: o.name,
    subjectPrefix: checkSubject(o.subjectPrefix ?? 'kp.cluster', 'subjectPrefix'),
    key: o.key ? o.key.slice() : null,
    heartbeatMs,
    nodeTimeoutMs,
    callTimeoutMs: integerOption('callTimeoutMs', o.callTimeoutMs, 10_000, 1, 3_600_000),
    maxPayload: o.maxPayload === undefined ? undefined : integerOption('maxPayload', o.maxPayload, 0, 1024, 64 << 20),
    maxPendingCalls: integerOption('maxPendingCalls', o.maxPendingCalls, 10_000, 1, MAX_INT),
    maxIncomingCalls: integerOption('maxIncomingCalls', o.maxIncomingCalls, 10_000, 1, MAX_INT),
    maxTopics: integerOption('maxTopics', o.maxTopics, 100_000, 1, MAX_INT),
    maxTopicsPerSession: integerOption('maxTopicsPerSession', o.maxTopicsPerSession, 1000, 1, MAX_INT),
    maxKeysPerSession: integerOption('maxKeysPerSession', o.maxKeysPerSession, 16, 1, 65_536),
    maxPresence: integerOption('maxPresence', o.maxPresence, 1_000_000, 1, MAX_INT),
    maxNodes: integerOption('maxNodes', o.maxNodes, 1000, 1, 1_000_000),
    logger: o.logger ?? defaultLogger,
  }
}
