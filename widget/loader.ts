/**
 * widget.js: what every page view of an embedding site pays for, so it is small and careful.
 * It draws the launcher, holds the JavaScript API and its queue, and keeps the visitor's
 * connection (presence, unread count, sound). The chat panel, with Preact, is fetched when the
 * visitor opens it, or earlier when the browser is idle.
 *
 * The host page is assumed hostile: everything lives in a shadow root, nothing is thrown into
 * the page, styles are adopted stylesheets (allowed under a strict CSP, unlike <style> tags).
 */
import { createConnection, pollingTransport, websocketTransport, type Connection } from '../client/index.js'
import type { ServerFrame } from '../protocol/index.js'
import { createApi, type WidgetApi } from './api.js'
import { launcherLocales, pickLocale, type LocaleName } from './launcher-locales.js'
import { initialState, widgetReducer, type WidgetAction, type WidgetState } from './state.js'
import { siteStorage } from './storage.js'
import { launcherCss } from './styles.js'
import type { LoaderContext } from './panel/context.js'

declare const PANEL_FILE: string

interface PanelModule {
  mountPanel(slot: HTMLElement, context: LoaderContext): void
  attract(options: { sound: boolean; flash: boolean; locale: LocaleName; count: number }): void
  stopAttracting(): void
}

const log = (...args: unknown[]) => {
  try {
    console.warn('[parley]', ...args)
  } catch {
    // a page without a console
  }
}

/** Runs `task` when the browser has nothing better to do (at most `timeout` ms later). */
const whenIdle = (task: () => void, timeout = 2000) =>
  typeof requestIdleCallback === 'function' ? requestIdleCallback(task, { timeout }) : setTimeout(task, 200)

function boot(script: HTMLScriptElement) {
  const siteKey = script.dataset.site
  if (!siteKey) return log('the script tag needs data-site="SITE_KEY"')
  const origin = new URL(script.src).origin
  const storage = siteStorage(siteKey)
  const locale = pickLocale(script.dataset.locale, document.documentElement.lang, navigator.language)
  const strings = launcherLocales[locale]
  const stub = (window as unknown as { Parley?: { q?: IArguments[] } }).Parley
  const queued = stub?.q ? [...stub.q] : []

  let state: WidgetState = { ...initialState }
  const listeners = new Set<(state: WidgetState) => void>()
  const api: WidgetApi = createApi({
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(!state.open),
    identify: (profile) => identify(profile),
    page: (page) => connection?.send({ t: 'page', ...page }),
  }, log)

  function dispatch(action: WidgetAction) {
    const before = state
    state = widgetReducer(state, action)
    if (state === before) return
    for (const listener of listeners) listener(state)
    drawLauncher()
    if (state.unread !== before.unread) api.emit('unread', state.unread)
  }

  // The host element carries no styles of its own: page CSS such as `* { all: unset }` can
  // only reach it, never the shadow tree where everything sits.
  const host = document.createElement('parley-chat')
  const shadow = host.attachShadow({ mode: 'open' })
  const sheet = new CSSStyleSheet()
  sheet.replaceSync(launcherCss)
  shadow.adoptedStyleSheets = [sheet]
  const frame = document.createElement('div')
  frame.className = 'root'
  const launcher = document.createElement('button')
  launcher.className = 'launcher'
  launcher.type = 'button'
  launcher.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16v12H7l-3 3z"/><path class="x" d="M6 6l12 12M18 6 6 18"/></svg><span class="badge" hidden></span>'
  launcher.addEventListener('click', () => setOpen(!state.open))
  const panelSlot = document.createElement('div')
  panelSlot.className = 'panel-slot'
  frame.append(panelSlot, launcher)
  shadow.append(frame)

  const cachedSite = storage.get<WidgetState['site']>('site')
  if (cachedSite) state = { ...state, site: cachedSite }

  function drawLauncher() {
    const site = state.site
    frame.classList.toggle('left', site?.position === 'left')
    frame.classList.toggle('open', state.open)
    if (site) frame.style.setProperty('--accent', site.color)
    launcher.setAttribute('aria-label', state.open ? strings.closeChat : strings.openChat)
    launcher.setAttribute('aria-expanded', String(state.open))
    const badge = launcher.querySelector('.badge') as HTMLElement
    badge.hidden = state.unread === 0
    badge.textContent = state.unread > 9 ? '9+' : String(state.unread)
  }
  drawLauncher()
  const attach = () => document.body.append(host)
  if (document.body) attach()
  else document.addEventListener('DOMContentLoaded', attach)

  let connection: Connection | undefined
  let panel: Promise<PanelModule | undefined> | undefined
  function notifyAgentMessage(frame: Extract<ServerFrame, { t: 'msg' }>) {
    api.emit('message', { text: frame.text, author: frame.author.name ?? '', at: frame.at })
    if (state.open && document.visibilityState === 'visible') return
    // Sound and title flash come with the panel: a message is a good moment to fetch it anyway.
    void loadPanel().then((module) =>
      module?.attract({ sound: script.dataset.sound !== 'off', flash: script.dataset.titleFlash !== 'off', locale, count: state.unread || 1 }),
    )
  }
  const stopFlashing = () => void panel?.then((module) => module?.stopAttracting())
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && state.open) stopFlashing()
  })

  function connect() {
    connection = createConnection({
      url: origin,
      query: `site=${encodeURIComponent(siteKey!)}`,
      hello: () => ({
        as: 'visitor',
        token: storage.get<string>('token'),
        page: { url: location.href.slice(0, 2048), title: document.title.slice(0, 512), referrer: document.referrer.slice(0, 2048) },
        locale: navigator.language.slice(0, 35),
        tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
        identity,
      }),
      transports: { websocket: websocketTransport(), polling: pollingTransport() },
      outbox: storage.get('outbox'),
      onOutboxChange: (items) => storage.set('outbox', items),
      onState: (next) => dispatch({ type: 'connection', state: next }),
      onFrame(frame) {
        // Refused at the door (a site for verified visitors only): the widget steps aside.
        if (frame.t === 'error' && !state.me) host.remove()
        if (frame.t === 'welcome') {
          if (frame.token) storage.set('token', frame.token)
          if (frame.site) storage.set('site', frame.site)
          // What `identify` said before there was a connection (or to an earlier one).
          sendSavedProfile()
        }
        const known = state.events.some((event) => frame.t === 'msg' && event.seq === frame.seq && event.conv === frame.conv)
        dispatch({ type: 'frame', frame })
        if (frame.t === 'welcome' && state.conversation) {
          connection!.send({ t: 'history', conv: state.conversation.id, limit: 50 })
        }
        if (frame.t === 'history') {
          const top = frame.events.at(-1)
          if (top) connection!.seen(frame.conv, top.seq)
        }
        if (frame.t === 'msg' && frame.author.role === 'agent' && !known) notifyAgentMessage(frame)
        if (frame.t === 'welcome') api.emit('ready')
      },
    })
  }

  function loadPanel(): Promise<PanelModule | undefined> {
    panel ??= import(/* the panel's hashed file, served with a long cache */ `${origin}/widget/${PANEL_FILE}`)
      .then((module: PanelModule) => {
        module.mountPanel(panelSlot, context)
        return module
      })
      .catch((error: unknown) => {
        panel = undefined
        log('panel', error)
        return undefined
      })
    return panel
  }

  function setOpen(open: boolean) {
    if (open === state.open) return
    dispatch({ type: open ? 'open' : 'close' })
    api.emit(open ? 'open' : 'close')
    if (open) {
      stopFlashing()
      if (!connection) connect()
      void loadPanel()
    } else {
      launcher.focus({ preventScroll: true })
    }
  }

  let identity: { userId: string; hash: string } | undefined
  function identify(profile: { name?: string; email?: string; userId?: string; userHash?: string }) {
    if (profile.userId && profile.userHash) {
      identity = { userId: String(profile.userId), hash: String(profile.userHash) }
      // A new identity is presented in `hello`: connect again with it.
      if (connection) {
        connection.close()
        connect()
      }
    }
    sendProfile(profile)
  }

  function sendProfile(profile: { name?: string; email?: string }) {
    const fields = { ...(profile.name ? { name: String(profile.name).slice(0, 100) } : {}), ...(profile.email ? { email: String(profile.email).slice(0, 254) } : {}) }
    storage.set('profile', { ...storage.get<object>('profile'), ...fields })
    sendSavedProfile()
  }
  const sendSavedProfile = () => connection?.send({ t: 'profile', ...storage.get<object>('profile') })


  const context: LoaderContext = {
    locale,
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    send(text) {
      if (!connection) connect()
      const cid = connection!.sendMessage(text)
      dispatch({ type: 'send', cid, text, at: Date.now() })
    },
    typing: (on) => void connection?.send({ t: 'typing', on }),
    markRead(conv, seq) {
      connection?.send({ t: 'read', conv, seq })
    },
    loadOlder() {
      const first = state.events[0]
      if (state.conversation && first) connection?.send({ t: 'history', conv: state.conversation.id, before: first.seq, limit: 50 })
    },
    profile: sendProfile,
    savedProfile: () => storage.get('profile') ?? {},
    close: () => setOpen(false),
    dismissNotice: () => dispatch({ type: 'dismiss-notice' }),
  }

  // Nothing before idle but the launcher: then presence, then the panel in the background.
  whenIdle(() => {
    if (!connection) connect()
    whenIdle(() => void loadPanel(), 5000)
  })

  ;(window as unknown as { Parley: WidgetApi }).Parley = api
  for (const call of queued) api.call(...(Array.from(call) as [string, ...unknown[]]))
}

try {
  const script = document.currentScript as HTMLScriptElement | null
  if (script && !(window as unknown as { Parley?: { version?: string } }).Parley?.version) boot(script)
} catch (error) {
  log(error)
}
