// The live cockpit (DATA-1): one read of `GET /cockpit` so the page is never empty, then
// `/cockpit/ws`, which sends a snapshot on connecting and within seconds of any activity in the
// shop (at least every 30 s). Nothing is sent to it and nothing is polled: a socket that closes,
// or stays silent past SOCKET_SILENCE_MS, is opened again after a growing delay.
import { onBeforeUnmount, onMounted, ref } from 'vue'
import { COCKPIT_SOCKET_PATH, agentApi, errorCode } from '../../api'
import type { Cockpit } from '../../api'
import { socketUrl } from '../../ws'
import { SOCKET_SILENCE_MS, backoffMs, newerCockpit, readCockpit } from './cockpit'

/** `live`: the socket is open; `connecting`: the first time; `reconnecting`: after a close. */
export type FeedStatus = 'connecting' | 'live' | 'reconnecting'

export function useCockpitFeed() {
  const cockpit = ref<Cockpit | null>(null)
  const status = ref<FeedStatus>('connecting')
  /** Why the first read failed, while there is nothing to show. */
  const failure = ref('')
  let socket: WebSocket | null = null
  let attempts = 0
  let stopped = true
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let silenceTimer: ReturnType<typeof setTimeout> | undefined

  function take(next: Cockpit): void {
    cockpit.value = newerCockpit(cockpit.value, next)
    failure.value = ''
  }

  async function read(): Promise<void> {
    try {
      take(await agentApi.cockpit())
    } catch (err) {
      if (!cockpit.value) failure.value = errorCode(err)
    }
  }

  /** A socket that says nothing for longer than the server's longest gap is dropped. */
  function expectWithin(s: WebSocket): void {
    clearTimeout(silenceTimer)
    silenceTimer = setTimeout(() => {
      if (s === socket) s.close()
    }, SOCKET_SILENCE_MS)
  }

  function connect(): void {
    clearTimeout(retryTimer)
    if (stopped) return
    let s: WebSocket
    try {
      s = new WebSocket(socketUrl(COCKPIT_SOCKET_PATH))
    } catch {
      retry()
      return
    }
    socket = s
    expectWithin(s)
    s.onopen = () => {
      if (s === socket) status.value = 'live'
    }
    s.onmessage = (event) => {
      if (s !== socket) return
      expectWithin(s)
      const next = readCockpit(String(event.data))
      if (!next) return
      attempts = 0
      status.value = 'live'
      take(next)
    }
    s.onclose = () => {
      if (s !== socket) return
      socket = null
      clearTimeout(silenceTimer)
      retry()
    }
    s.onerror = () => {
      // onclose follows and schedules the retry.
    }
  }

  function retry(): void {
    if (stopped) return
    status.value = 'reconnecting'
    clearTimeout(retryTimer)
    retryTimer = setTimeout(connect, backoffMs(attempts++))
  }

  /** Back online: try at once rather than wait out the backoff. */
  function reconnectNow(): void {
    if (stopped || socket) return
    attempts = 0
    connect()
  }

  function start(): void {
    if (!stopped) return
    stopped = false
    window.addEventListener('online', reconnectNow)
    void read()
    connect()
  }

  function stop(): void {
    stopped = true
    window.removeEventListener('online', reconnectNow)
    clearTimeout(retryTimer)
    clearTimeout(silenceTimer)
    const s = socket
    socket = null
    s?.close(1000)
  }

  onMounted(start)
  onBeforeUnmount(stop)

  return { cockpit, status, failure, retry: read }
}
