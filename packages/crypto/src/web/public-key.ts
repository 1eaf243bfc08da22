import { BasePublicKey } from '../public-key.js'
import { webEngine } from './engine.js'

/**
 * An Ed25519 public key (a peer id); see `BasePublicKey` for the methods. In browsers prefer
 * `verifyAsync` (WebCrypto); `verify` needs @noble/curves loaded (it is wherever `SigningKey`
 * is used, or after `await loadCurves()`), else it throws CryptoError `'kp.CurvesNotLoaded'`.
 */
export class PublicKey extends BasePublicKey {
  static override readonly engine = webEngine
}
