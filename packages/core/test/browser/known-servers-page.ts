/**
 * The Chromium test page of the localStorage known-servers store: bundled by esbuild for the
 * browser. `?step=1` records, `?step=2` (after a reload) finds the records again, `?step=blocked`
 * runs in a sandboxed frame where localStorage is refused.
 */
import { prepareServerCheck, resolvePinning } from '../../src/client/server-check.js'
import { KnownServerMismatchError, KnownServersError, localStorageKnownServers, PublicKey, trustOnFirstUse } from '../../src/index.js'

function errorInfo(e: unknown) {
  return {
    name: (e as Error)?.name,
    code: (e as { code?: string })?.code,
    mismatch: KnownServerMismatchError.isInstance(e),
    storeError: KnownServersError.isInstance(e),
    message: (e as Error)?.message,
  }
}

async function failure(p: Promise<unknown> | (() => unknown)) {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    return errorInfo(e)
  }
  return null
}

async function main() {
  const params = new URLSearchParams(location.search)
  const step = params.get('step')
  const results: Record<string, unknown> = { step }
  if (step === 'blocked') {
    results.blocked = await failure(() => localStorageKnownServers())
  } else {
    const a = PublicKey.fromHex(params.get('a')!)
    const b = PublicKey.fromHex(params.get('b')!)
    const store = localStorageKnownServers()
    if (step === '1') {
      localStorage.clear()
      results.first = await trustOnFirstUse(store, 'example.com:4000', a)
      results.again = await trustOnFirstUse(store, 'example.com:4000', a)
      results.changed = await failure(trustOnFirstUse(store, 'example.com:4000', b))
      results.stored = localStorage.getItem('kp.known-server:example.com:4000')
      // the client's two steps: read before the handshake, verify inside it, record after READY
      const check = await prepareServerCheck(resolvePinning({ knownServers: store }), 'wss://example.com/kp')
      check.verify(b)
      results.beforeReady = localStorage.getItem('kp.known-server:wss://example.com/kp')
      results.confirmed = await check.confirm(b)
      results.afterReady = localStorage.getItem('kp.known-server:wss://example.com/kp')
    } else {
      // a new page, a new store object: the records survived the reload
      results.known = await trustOnFirstUse(store, 'example.com:4000', a)
      results.changed = await failure(trustOnFirstUse(store, 'example.com:4000', b))
      const check = await prepareServerCheck(resolvePinning({ knownServers: store }), 'wss://example.com/kp')
      results.verifyOther = await failure(() => check.verify(a))
      results.forgot = await store.forget('example.com:4000')
      results.recordedNew = await trustOnFirstUse(store, 'example.com:4000', b)
      results.keys = Object.keys(localStorage).sort()
    }
  }
  const pre = document.createElement('pre')
  pre.id = 'results'
  pre.textContent = JSON.stringify(results)
  document.body.append(pre)
  document.body.dataset.status = 'done'
}

main().catch((e) => {
  document.body.dataset.status = `failed: ${(e as Error)?.stack ?? e}`
})
