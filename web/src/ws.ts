// A small reconnecting WebSocket shared by the buyer page and the agent workbench.
// It reconnects with jittered exponential backoff, asks `url()` afresh each time (so the
// buyer resumes with `after_seq` = the last seq seen), pings at the server's heartbeat and
// drops a connection that has gone silent (docs/websocket.md "Session").

import type { ClientFrame, ServerFrame } from './api'

export type SocketStatus = 'connecting' | 'open' | 'closed'

export interface SocketHandlers {
  /** Every parsed server frame, `hello` included. */
  onFrame: (frame: ServerFrame) => void
  /** After `hello`: `resumed` is false on the first session, true on every reconnect. */
  onReady?: (resumed: boolean) => void
  onStatus?: (status: SocketStatus) => void
}

const MIN_BACKOFF_MS = 500
const MAX_BACKOFF_MS = 15_000
const DEFAULT_HEARTBEAT_MS = 20_000

/** `ws(s)://<this host><path>`: the UI is served by the same server it talks to. */
export function socketUrl(path: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${location.host}${path}`
}

export class ReconnectingSocket {
  private socket: WebSocket | null = null
  private attempts = 0
  private sessions = 0
  private stopped = true
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private pingTimer: ReturnType<typeof setInterval> | undefined
  private lastHeard = 0
  private heartbeatMs = DEFAULT_HEARTBEAT_MS
  status: SocketStatus = 'closed'

  constructor(
    private readonly url: () => string,
    private readonly handlers: SocketHandlers,
  ) {}

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    window.addEventListener('online', this.reconnectNow)
    document.addEventListener('visibilitychange', this.onVisibility)
    this.connect()
  }

  stop(): void {
    this.stopped = true
    window.removeEventListener('online', this.reconnectNow)
    document.removeEventListener('visibilitychange', this.onVisibility)
    clearTimeout(this.retryTimer)
    clearInterval(this.pingTimer)
    const socket = this.socket
    this.socket = null
    socket?.close(1000)
    this.setStatus('closed')
  }

  /** Sends now if the session is ready; returns false otherwise (callers keep it pending). */
  send(frame: ClientFrame): boolean {
    if (this.status !== 'open' || !this.socket) return false
    this.socket.send(JSON.stringify(frame))
    return true
  }

  get isOpen(): boolean {
    return this.status === 'open'
  }

  private connect(): void {
    clearTimeout(this.retryTimer)
    if (this.stopped) return
    this.setStatus('connecting')
    let socket: WebSocket
    try {
      socket = new WebSocket(this.url())
    } catch {
      this.scheduleRetry()
      return
    }
    this.socket = socket
    socket.onmessage = (event) => {
      if (socket !== this.socket) return
      this.lastHeard = Date.now()
      let frame: ServerFrame
      try {
        frame = JSON.parse(String(event.data)) as ServerFrame
      } catch {
        return
      }
      if (frame.type === 'hello') {
        this.attempts = 0
        this.heartbeatMs = frame.heartbeat_ms > 0 ? frame.heartbeat_ms : DEFAULT_HEARTBEAT_MS
        this.startPinging()
        this.setStatus('open')
        this.handlers.onFrame(frame)
        this.handlers.onReady?.(this.sessions++ > 0)
        return
      }
      this.handlers.onFrame(frame)
    }
    socket.onclose = () => {
      if (socket !== this.socket) return
      this.socket = null
      clearInterval(this.pingTimer)
      this.setStatus('closed')
      this.scheduleRetry()
    }
    socket.onerror = () => {
      // onclose follows and schedules the retry.
    }
  }

  private startPinging(): void {
    clearInterval(this.pingTimer)
    this.lastHeard = Date.now()
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > this.heartbeatMs * 3) {
        // Silent for three intervals: the connection is dead even if the browser hasn't noticed.
        this.socket?.close(4000)
        return
      }
      this.send({ type: 'ping' })
    }, this.heartbeatMs)
  }

  private scheduleRetry(): void {
    if (this.stopped) return
    const base = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.attempts)
    this.attempts++
    const delay = base / 2 + Math.random() * (base / 2)
    this.retryTimer = setTimeout(() => this.connect(), delay)
  }

  private readonly reconnectNow = (): void => {
    if (this.stopped || this.status !== 'closed') return
    this.attempts = 0
    this.connect()
  }

  private readonly onVisibility = (): void => {
    if (document.visibilityState === 'visible') this.reconnectNow()
  }

  private setStatus(status: SocketStatus): void {
    if (this.status === status) return
    this.status = status
    this.handlers.onStatus?.(status)
  }
}
