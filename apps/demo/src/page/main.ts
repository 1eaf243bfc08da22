/**
 * The demo's browser page: a Kiloparsec client over WebSocket. The server id to pin comes from
 * the page URL (`?id=...`, printed by the server); the endpoint is `/kp` on the page's own host.
 */
import { type ClientState, connect, HandshakeError, KiloInterface, type KiloClient, PublicKey } from '@kp/core'
import { wsConnector } from '@kp/transport-ws-client'
import {
  type ChatMessage,
  cmdChatJoin,
  cmdChatMessage,
  cmdChatSend,
  cmdCheckConnected,
  cmdGetFoo,
  cmdPing,
  cmdPushClient,
  cmdSetFoo,
  type FeedItem,
  feed,
  NotFoundError,
  toHex,
  tokenFingerprint,
  upload,
} from '../api.js'

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id)
  if (!el) throw new Error(`#${id} missing from the page`)
  return el as T
}

const ui = {
  state: $('state'),
  banner: $('banner'),
  endpoint: $('endpoint'),
  serverId: $('server-id'),
  serverFp: $('server-fp'),
  token: $('token'),
  tokenFp: $('token-fp'),
  pingText: $<HTMLInputElement>('ping-text'),
  ping: $<HTMLButtonElement>('ping'),
  fooText: $<HTMLInputElement>('foo-text'),
  fooNumber: $<HTMLInputElement>('foo-number'),
  setFoo: $<HTMLButtonElement>('set-foo'),
  getFoo: $<HTMLButtonElement>('get-foo'),
  check: $<HTMLButtonElement>('check'),
  result: $('result'),
  chatNick: $<HTMLInputElement>('chat-nick'),
  chatText: $<HTMLInputElement>('chat-text'),
  chatSend: $<HTMLButtonElement>('chat-send'),
  chatList: $('chat-list'),
  pushes: $('pushes'),
  feedToggle: $<HTMLButtonElement>('feed-toggle'),
  feedStatus: $('feed-status'),
  feedList: $('feed-list'),
  uploadFile: $<HTMLInputElement>('upload-file'),
  upload: $<HTMLButtonElement>('upload'),
  uploadProgress: $<HTMLProgressElement>('upload-progress'),
  uploadResult: $('upload-result'),
}
const buttons = [ui.ping, ui.setFoo, ui.getFoo, ui.check, ui.chatSend, ui.feedToggle, ui.upload]

function showBanner(title: string, body: string): void {
  ui.banner.replaceChildren()
  const strong = document.createElement('strong')
  strong.textContent = title
  const p = document.createElement('span')
  p.textContent = body
  ui.banner.append(strong, p)
  ui.banner.hidden = false
}

function setState(state: ClientState | 'refused' | 'no id', label?: string): void {
  ui.state.dataset.state = state
  ui.state.textContent = label ?? (state === 'interrupted' ? 'interrupted, resuming…' : state)
  // while interrupted, calls wait in the session and go out when it resumes
  const connected = state === 'connected' || state === 'interrupted'
  for (const b of buttons) b.disabled = !connected
}

function showResult(kind: 'ok' | 'error', text: string): void {
  ui.result.dataset.kind = kind
  ui.result.textContent = text
}

function clock(d = new Date()): string {
  return d.toTimeString().slice(0, 8)
}

/** Appends a line to a feed, newest at the bottom. */
function addFeed(list: HTMLElement, build: (line: HTMLElement) => void, time = new Date()): void {
  list.querySelector('.empty')?.remove()
  const li = document.createElement('li')
  const t = document.createElement('time')
  t.textContent = clock(time)
  const body = document.createElement('span')
  li.append(t, body)
  build(body)
  list.append(li)
  while (list.children.length > 200) list.firstElementChild?.remove()
  list.scrollTop = list.scrollHeight
}

function tag(text: string, cls: string): HTMLElement {
  const s = document.createElement('span')
  s.className = `tag ${cls}`
  s.textContent = text
  return s
}

function onChat(m: ChatMessage): void {
  const line = (el: HTMLElement) => {
    const nick = document.createElement('span')
    nick.className = 'nick'
    nick.textContent = m.nick
    el.append(tag(m.transport, m.transport))
    if (m.node) el.append(tag(m.node, 'node'))
    el.append(nick, document.createTextNode(m.text))
  }
  addFeed(ui.chatList, line, m.time)
  addFeed(ui.pushes, (el) => {
    el.append(tag('chat', 'push'))
    line(el)
  })
}

function onPushClient(text: string): void {
  addFeed(ui.pushes, (el) => el.append(tag('push', 'push'), document.createTextNode(text)))
}

function parsePin(): PublicKey | null {
  const raw = new URLSearchParams(location.search).get('id')
  if (raw === null || raw.trim() === '') {
    showBanner(
      'No server id in the address.',
      ' The page pins the server’s key from ?id=… in its URL, so it cannot connect without it. Open the “page” URL the demo server printed at start (it ends with ?id=…).',
    )
    return null
  }
  try {
    return PublicKey.from(raw.trim())
  } catch {
    showBanner(
      'The ?id= in the address is not a server id.',
      ` Expected 43 base64url or 64 hex characters, got ${raw.length}. Copy the “page” URL the demo server printed at start again.`,
    )
    return null
  }
}

function start(): void {
  const pin = parsePin()
  if (!pin) {
    setState('no id', 'no server id')
    return
  }
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/kp`
  ui.endpoint.textContent = url
  ui.serverId.textContent = pin.toBase64url()
  ui.serverId.title = `hex ${pin.toHex()}`
  ui.serverFp.textContent = `${pin.fingerprint()} · pinned`
  ui.serverFp.hidden = false
  ui.chatNick.value = `browser-${Math.random().toString(16).slice(2, 6)}`

  const iface = new KiloInterface().on(cmdPushClient, (text) => onPushClient(text)).on(cmdChatMessage, (m) => onChat(m))
  // resume: a network drop keeps the session (the chat nickname, foo) and calls in flight (PROTOCOL.md 15)
  const client: KiloClient = connect(wsConnector(url), { serverId: pin, iface, reconnect: { maxDelayMs: 5_000 }, resume: true })
  let joinedAs: string | null = null
  let refused = false
  let interrupted = false
  client.on('interrupted', () => {
    interrupted = true
  })
  client.on('resumed', () => {
    interrupted = false
    ui.state.title = 'resumed: same session, new connection'
  })
  client.on('resumeRefused', (e) => {
    interrupted = false
    ui.state.title = `a new session: the old one could not be resumed (${e.reason})`
  })

  client.on('state', (s) => {
    if (refused) return // keep showing why it stopped
    setState(s)
    if (s === 'connected') {
      const token = client.token!
      ui.token.textContent = toHex(token)
      ui.tokenFp.textContent = tokenFingerprint(token)
      ui.tokenFp.hidden = false
      ui.banner.hidden = true
      // the nickname lives in the session: join again in a new one (a resumed session keeps it)
      if (!interrupted) joinedAs = null
    } else if (s !== 'closed') {
      ui.token.textContent = '—'
      ui.tokenFp.hidden = true
    }
  })
  client.on('error', (e) => {
    if (HandshakeError.isInstance(e) && e.check === 'pin-mismatch') {
      refused = true
      setState('refused', 'wrong server')
      showBanner(
        'This server is not the one in the link.',
        ` Its key differs from the pinned ?id=${pin.toBase64url().slice(0, 8)}…, so the page refused to talk to it. Check that the address is the server you started and use the “page” URL it printed (a new data directory means a new id).`,
      )
    } else if (client.state !== 'connected') {
      ui.state.title = e.message
    }
  })

  // every button runs through here: its failures are shown, never left unhandled
  const run = (button: HTMLButtonElement, action: () => Promise<string>): void => {
    attempt(button, action).catch((e) => console.error('demo page bug:', e))
  }
  const attempt = async (button: HTMLButtonElement, action: () => Promise<string>) => {
    button.disabled = true
    try {
      showResult('ok', await action())
    } catch (e) {
      const err = e as Error & { code?: string }
      showResult('error', NotFoundError.isInstance(e) ? `NotFound: ${err.message}` : `${err.code ?? err.name}: ${err.message}`)
    } finally {
      button.disabled = client.state !== 'connected' && client.state !== 'interrupted'
    }
  }

  ui.ping.onclick = () => run(ui.ping, async () => await client.call(cmdPing, ui.pingText.value))
  ui.setFoo.onclick = () =>
    run(ui.setFoo, async () => {
      const number = Number(ui.fooNumber.value)
      if (!Number.isSafeInteger(number)) throw new RangeError('foo number must be an integer')
      await client.call(cmdSetFoo, { text: ui.fooText.value, number })
      return `foo set to ${JSON.stringify(ui.fooText.value)}, ${number}`
    })
  ui.getFoo.onclick = () =>
    run(ui.getFoo, async () => {
      const foo = await client.call(cmdGetFoo, undefined)
      return `foo = ${JSON.stringify(foo.text)}, ${foo.number}`
    })
  ui.check.onclick = () =>
    run(ui.check, async () => {
      const c = await client.call(cmdCheckConnected, undefined)
      return `connected over ${c.transport} from ${c.remoteAddress}${c.nick ? ` as ${c.nick}` : ''}; ${c.online} online; server time ${clock(c.serverTime)}`
    })
  const send = () =>
    run(ui.chatSend, async () => {
      const text = ui.chatText.value
      if (text.trim() === '') throw new RangeError('type a message first')
      const nick = ui.chatNick.value.trim()
      if (joinedAs !== nick) {
        const welcome = await client.call(cmdChatJoin, nick)
        joinedAs = welcome.nick
      }
      await client.call(cmdChatSend, text)
      ui.chatText.value = ''
      return `sent to every client as ${joinedAs}`
    })
  ui.chatSend.onclick = send
  ui.chatText.onkeydown = (e) => {
    if (e.key === 'Enter' && !ui.chatSend.disabled) send()
  }
  ui.pingText.onkeydown = (e) => {
    if (e.key === 'Enter' && !ui.ping.disabled) ui.ping.click()
  }
  // The live feed: a stream read with for-await; Stop aborts it, which ends the server's generator.
  let subscription: AbortController | null = null
  const onFeed = (item: FeedItem) =>
    addFeed(
      ui.feedList,
      (el) => el.append(tag(`#${item.n}`, 'push'), document.createTextNode(`server time ${clock(item.time)}, ${item.online} online`)),
      item.time,
    )
  const subscribe = async (signal: AbortSignal) => {
    ui.feedList.replaceChildren()
    for await (const item of client.stream(feed, 500, { signal, credit: 8 })) onFeed(item)
  }
  ui.feedToggle.onclick = () => {
    if (subscription) {
      subscription.abort()
      return
    }
    const ac = new AbortController()
    subscription = ac
    ui.feedToggle.textContent = 'Stop'
    ui.feedStatus.textContent = 'subscribed'
    subscribe(ac.signal)
      .then(
        () => 'the server ended the feed',
        (e: Error & { code?: string }) => (ac.signal.aborted ? 'stopped' : `ended: ${e.code ?? e.name}: ${e.message}`),
      )
      .then(
        (why) => {
          if (subscription === ac) subscription = null
          ui.feedToggle.textContent = 'Subscribe'
          ui.feedStatus.textContent = why
        },
        (e) => console.error('demo page bug:', e),
      )
  }

  // The upload: a sink fed by the file's ReadableStream; the bar shows what the sink has taken,
  // which follows the server's reading (credit), not how fast the file can be read.
  ui.upload.onclick = () =>
    run(ui.upload, async () => {
      const file = ui.uploadFile.files?.[0]
      if (!file) throw new RangeError('choose a file first')
      ui.uploadProgress.value = 0
      let sent = 0
      async function* counted(): AsyncGenerator<Uint8Array> {
        const reader = file!.stream().getReader()
        try {
          for (;;) {
            const r = await reader.read()
            if (r.done) return
            sent += r.value.length
            ui.uploadProgress.value = file!.size === 0 ? 1 : sent / file!.size
            yield r.value
          }
        } finally {
          reader.releaseLock()
        }
      }
      const started = performance.now()
      ui.uploadResult.dataset.kind = 'idle'
      ui.uploadResult.textContent = `uploading ${file.name}…`
      const receipt = await client.sink(upload, { name: file.name, size: file.size }, counted()).catch((e: Error & { code?: string }) => {
        ui.uploadResult.dataset.kind = 'error'
        ui.uploadResult.textContent = `${e.code ?? e.name}: ${e.message}`
        throw e
      })
      ui.uploadProgress.value = 1
      const seconds = (performance.now() - started) / 1000
      const text = `${receipt.name}: ${receipt.bytes} bytes in ${receipt.items} items, adler-32 ${receipt.adler32}, ${(receipt.bytes / 1048576 / Math.max(seconds, 0.001)).toFixed(1)} MiB/s`
      ui.uploadResult.dataset.kind = 'ok'
      ui.uploadResult.textContent = text
      return `uploaded ${receipt.name}`
    })

  // For tests and the curious: the client is on window.
  ;(globalThis as { kpClient?: KiloClient }).kpClient = client
}

start()
