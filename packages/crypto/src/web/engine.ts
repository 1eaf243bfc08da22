import { abytes } from '../assert.js'
import { base64urlToBytes } from '../encoding.js'
import type { AsyncEdVerifier, EdVerifier, Engine } from '../engine.js'
import { LowOrderKeyError } from '../low-order-key-error.js'
import type { Curves } from '../noble/curves.js'
import { syncExchange, type X25519Exchange } from '../x25519-exchange.js'
import { blake2b256 } from './blake2b.js'
import { chachaAead, chachaOpen, chachaSeal } from './chacha20-poly1305.js'
import { loadCurves, loadedCurves, provideCurves } from './curves-slot.js'
import { webCryptoCurves, x25519Pkcs8 } from './webcrypto.js'

const X25519 = { name: 'X25519' }
const ED25519 = { name: 'Ed25519' }

/** L, the order of the Ed25519 base point, little-endian. */
const L = /* @__PURE__ */ Uint8Array.of(
  0xed,
  0xd3,
  0xf5,
  0x5c,
  0x1a,
  0x63,
  0x12,
  0x58,
  0xd6,
  0x9c,
  0xf7,
  0xa2,
  0xde,
  0xf9,
  0xde,
  0x14,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0x10,
)

/** True when the 32-byte little-endian scalar is below L (RFC 8032 5.1.7 step 1). */
function scalarBelowL(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) if (s[i] !== L[i]) return s[i]! < L[i]!
  return false
}

/** X25519 in WebCrypto: the secret never leaves it (`secretKey` given: imported, for test vectors). */
async function webExchange(secretKey?: Uint8Array): Promise<X25519Exchange> {
  const subtle = (await webCryptoCurves()).x25519
  if (subtle === null) return syncExchange(await loadCurves(), secretKey)
  let secret: CryptoKey | null
  let publicKey: Uint8Array
  if (secretKey === undefined) {
    const pair = (await subtle.generateKey(X25519, false, ['deriveBits'])) as CryptoKeyPair
    secret = pair.privateKey
    publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey))
  } else {
    const der = x25519Pkcs8(secretKey)
    secretKey.fill(0)
    secret = await subtle.importKey('pkcs8', der, X25519, true, ['deriveBits'])
    der.fill(0)
    publicKey = base64urlToBytes((await subtle.exportKey('jwk', secret)).x ?? '')
  }
  return {
    publicKey,
    async sharedSecret(peerPublicKey) {
      abytes(peerPublicKey, 'peerPublicKey', 32)
      if (secret === null) throw new TypeError('this X25519 exchange was wiped')
      const own = secret
      let out: Uint8Array
      try {
        const peer = await subtle.importKey('raw', peerPublicKey.slice(), X25519, false, [])
        out = new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: peer }, own, 256))
      } catch (e) {
        // WebCrypto refuses the all-zero result (low-order peer keys) with an OperationError
        throw new LowOrderKeyError(undefined, { cause: e })
      }
      let acc = 0
      for (let i = 0; i < 32; i++) acc |= out[i]!
      if (acc === 0) throw new LowOrderKeyError()
      return out
    },
    wipe() {
      secret = null
    },
  }
}

/** Ed25519 verification in WebCrypto (or on the loaded curve code where WebCrypto cannot serve). */
function webVerifier(publicKey: Uint8Array): AsyncEdVerifier {
  let key: Promise<CryptoKey | null> | undefined
  let fallback: EdVerifier | undefined
  return {
    async verify(signature, message) {
      if (!scalarBelowL(signature.subarray(32))) return false
      const subtle = (await webCryptoCurves()).ed25519
      if (subtle === null) {
        fallback ??= (await loadCurves()).edVerifier(publicKey)
        return fallback.verify(signature, message)
      }
      // a key WebCrypto cannot decode (not on the curve) verifies nothing, as in every engine
      key ??= subtle.importKey('raw', publicKey, ED25519, false, ['verify']).catch(() => null)
      const k = await key
      return k !== null && subtle.verify(ED25519, k, signature, message).catch(() => false)
    },
  }
}

const WEBCRYPTO_OR_NOBLE = 'WebCrypto where the browser has it (asynchronous calls), else @noble/curves loaded on first use'

/**
 * The browser engine: a compact ChaCha20-Poly1305 and a compact BLAKE2b (synchronous, small); X25519 and
 * Ed25519 in WebCrypto for the asynchronous calls (`x25519Exchange`, `verifyAsync`) when the
 * browser has them, else on @noble/curves, which is then loaded (a dynamic import). The
 * synchronous curve calls need @noble/curves loaded: see `provideCurves`.
 */
export const webEngine: Engine = Object.freeze({
  name: 'web' as const,
  implementations: Object.freeze({
    aead: '@kp/crypto (compact)',
    blake2b: '@kp/crypto (compact)',
    x25519: WEBCRYPTO_OR_NOBLE,
    ed25519: WEBCRYPTO_OR_NOBLE,
  }),
  edSigner: (seed: Uint8Array) => loadedCurves().edSigner(seed),
  edVerifier: (publicKey: Uint8Array) => loadedCurves().edVerifier(publicKey),
  x25519KeyPair: () => loadedCurves().x25519KeyPair(),
  x25519PublicKey: (secretKey: Uint8Array) => loadedCurves().x25519PublicKey(secretKey),
  x25519SharedSecret: (secretKey: Uint8Array, publicKey: Uint8Array) => loadedCurves().x25519SharedSecret(secretKey, publicKey),
  aead: chachaAead,
  seal: chachaSeal,
  open: chachaOpen,
  blake2b256: blake2b256,
  x25519Exchange: webExchange,
  edVerifierAsync: webVerifier,
  loadCurves: () => loadCurves().then(() => undefined),
  asyncCurves: async () => {
    const w = await webCryptoCurves()
    return { x25519: w.x25519 ? 'WebCrypto' : '@noble/curves', ed25519: w.ed25519 ? 'WebCrypto' : '@noble/curves' }
  },
})

/** The web engine with `curves` as its synchronous curve code (what SigningKey's class uses). */
export function webEngineWith(curves: Curves): Engine {
  provideCurves(curves)
  return webEngine
}
