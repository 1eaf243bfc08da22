import { CryptoError } from '../crypto-error.js'
import type { Curves } from '../noble/curves.js'

// Browsers load @noble/curves only when something needs it: a synchronous Ed25519/X25519 call
// (SigningKey and the synchronous x25519 functions import it statically and put it here), or
// an asynchronous one that WebCrypto cannot serve (a dynamic import).
let loaded: Curves | undefined
let loading: Promise<Curves> | undefined

/** Makes `curves` the synchronous curve code of the web engine; returns it. */
export function provideCurves(curves: Curves): Curves {
  loaded ??= curves
  return loaded
}

/** The synchronous curve code, or CryptoError `'kp.CurvesNotLoaded'` when it is not loaded yet. */
export function loadedCurves(): Curves {
  if (loaded === undefined) {
    throw new CryptoError(
      'Ed25519/X25519 code is not loaded yet: in browsers @kp/crypto loads @noble/curves on first use. ' +
        'Call `await loadCurves()` once before synchronous curve calls, or use `verifyAsync` / `x25519Exchange`',
      { code: 'kp.CurvesNotLoaded' },
    )
  }
  return loaded
}

/** Loads @noble/curves (once) and makes it the synchronous curve code. */
export function loadCurves(): Promise<Curves> {
  if (loaded !== undefined) return Promise.resolve(loaded)
  loading ??= import('../noble/curves.js').then(
    (m) => provideCurves(m.nobleCurves),
    (e) => {
      loading = undefined // a failed chunk load may succeed later
      throw e
    },
  )
  return loading
}
