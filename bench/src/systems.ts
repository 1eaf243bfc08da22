import type { MeasureName } from './types.js'

/** A system under test: its key in the results, and what is measured. */
export interface SystemSpec {
  name: string
  /** Directory under `systems/` with `server.ts` and `client.ts`. */
  dir: string
  what: string
  measures: MeasureName[]
  /** How the 64 KiB payload travels. */
  binary: string
  /** Kiloparsec itself (the subject; the others are the comparison). */
  kp?: boolean
}

const all: MeasureName[] = ['latency', 'calls', 'bytes', 'connect']
const streams: MeasureName[] = ['stream_items', 'stream_mb', 'stream_rss', 'stream_p99']

/** Every system, in the base order (each repetition rotates it). */
export const SYSTEMS: SystemSpec[] = [
  {
    name: 'kp-tcp',
    dir: 'kp-tcp',
    kp: true,
    what: 'Kiloparsec over TCP (@kp/transport-tcp), server key pinned',
    measures: [...all, ...streams],
    binary: 'bytes',
  },
  {
    name: 'kp-ws',
    dir: 'kp-ws',
    kp: true,
    what: 'Kiloparsec over WebSocket ws:// (@kp/transport-ws-*), end-to-end encrypted, key pinned',
    measures: [...all, ...streams],
    binary: 'bytes',
  },
  {
    name: 'kp-udp',
    dir: 'kp-udp',
    kp: true,
    what: 'Kiloparsec over UDP (@kp/transport-udp), small payloads only',
    measures: ['latency', 'calls', 'connect'],
    binary: '-',
  },
  { name: 'net', dir: 'net', what: 'raw TCP, 4-byte length prefix, no crypto (the floor)', measures: all, binary: 'bytes' },
  { name: 'tls', dir: 'tls', what: 'raw TLS 1.3, same framing, self-signed Ed25519 certificate pinned as the only CA', measures: all, binary: 'bytes' },
  {
    name: 'socketio-wss',
    dir: 'socketio-wss',
    what: 'socket.io 4 emitWithAck over wss:// (websocket transport only); streams: server events, no backpressure',
    measures: [...all, 'stream_items', 'stream_mb', 'stream_rss'],
    binary: 'Buffer attachment',
  },
  {
    name: 'capnweb-wss',
    dir: 'capnweb-wss',
    what: 'Cloudflare capnweb RPC over wss:// (ws); streams: a ReadableStream returned by the server',
    measures: [...all, ...streams],
    binary: 'Uint8Array (capnweb encodes it as base64 in its JSON)',
  },
  {
    name: 'grpc-tls',
    dir: 'grpc-tls',
    what: '@grpc/grpc-js unary calls, TLS, @grpc/proto-loader; streams: server streaming, write() and drain',
    measures: [...all, ...streams],
    binary: 'protobuf bytes',
  },
  {
    name: 'secretstream',
    dir: 'secretstream',
    what: '@hyperswarm/secret-stream (Noise XX) + protomux-rpc over TCP, server key checked',
    measures: all,
    binary: 'raw buffer',
  },
]
