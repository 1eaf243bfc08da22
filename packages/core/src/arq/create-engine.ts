import { ArqEngine } from './engine.js'
import type { ArqEngineOptions } from './engine-options.js'

/** Makes the ARQ engine of one session in reliable datagram mode (`Transport.arqEngine`). */
export type ArqEngineFactory = (options: ArqEngineOptions) => ArqEngine

/**
 * The reliable-datagram engine's factory, for datagram transports to offer reliable mode
 * (PROTOCOL.md 9): `readonly arqEngine = createArqEngine`. Core reaches the engine only through
 * the transport, so bundles without datagram transports (browsers) leave it out.
 */
export const createArqEngine: ArqEngineFactory = (options) => new ArqEngine(options)
