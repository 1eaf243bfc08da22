/** Bundled for Chromium: the web engine's asynchronous curve calls against the vectors, first on WebCrypto, then on the lazily loaded @noble/curves. */
// named imports only, as an app would: no SigningKey, so @noble/curves is only in the lazy chunk
import { asyncCurveInfo, bytesToHex, hexToBytes, LowOrderKeyError, PublicKey, x25519Exchange } from '../../src/index.js'
import { resetWebCryptoDetection } from '../../src/web/webcrypto.js'
import { type AsyncApi, runAsyncCurveChecks } from '../async-curves-checks.js'
import ed25519 from '../vectors/ed25519.json' with { type: 'json' }
import speccheck from '../vectors/ed25519-speccheck.json' with { type: 'json' }
import x25519 from '../vectors/x25519.json' with { type: 'json' }

const vectors = { x25519, ed25519, speccheck }
const api: AsyncApi = { x25519Exchange, PublicKey, LowOrderKeyError, hexToBytes, bytesToHex }

async function main() {
  const results: Record<string, unknown> = {}
  const v = ed25519.vectors[0]!
  const syncVerify = () => PublicKey.fromHex(v.publicKey).verify(hexToBytes(v.signature), hexToBytes(v.message))
  // nothing loaded @noble/curves yet: a synchronous verify says so
  try {
    results.syncBeforeLoad = syncVerify()
  } catch (e) {
    results.syncBeforeLoad = (e as { code?: string }).code
  }
  results.webcryptoInfo = await asyncCurveInfo()
  results.webcrypto = await runAsyncCurveChecks(api, vectors)
  // the same checks where WebCrypto would not serve: @noble/curves comes by a dynamic import
  resetWebCryptoDetection(true)
  results.nobleInfo = await asyncCurveInfo()
  results.noble = await runAsyncCurveChecks(api, vectors)
  // after the load, the synchronous calls work too (no SigningKey in this bundle)
  results.syncVerify = syncVerify()
  return results
}

main().then(
  (r) => {
    document.body.dataset.result = JSON.stringify(r)
  },
  (e) => {
    document.body.dataset.result = JSON.stringify({ error: `${e?.name}: ${e?.message}` })
  },
)
