/** Minimal types for the untyped Holepunch modules the `secretstream` system uses. */
declare module '@hyperswarm/secret-stream' {
  import { Duplex } from 'node:stream'
  export default class SecretStream extends Duplex {
    constructor(isInitiator: boolean, rawStream?: Duplex, options?: Record<string, unknown>)
    static keyPair(seed?: Buffer): { publicKey: Buffer; secretKey: Buffer }
    readonly opened: Promise<boolean>
    readonly remotePublicKey: Buffer
  }
}
declare module 'protomux-rpc' {
  export default class ProtomuxRPC {
    constructor(stream: unknown, options?: Record<string, unknown>)
    respond(method: string, options: Record<string, unknown>, handler: (req: any) => unknown): void
    request(method: string, value: unknown, options?: Record<string, unknown>): Promise<any>
    event(method: string, value: unknown, options?: Record<string, unknown>): void
    readonly stream: { destroy(err?: Error): void }
    destroy(err?: Error): void
  }
}
