// The browser's side of the agents' alerts (alerts.ts decides): a short two-note chime made
// with the Web Audio API (no sound file), and desktop notifications. Browsers start audio only
// after the page had a gesture (`unlockAudio` on the first click or key), and ask for the
// notification permission only when the agent turns notifications on.

type AudioContextClass = typeof AudioContext

let audio: AudioContext | null = null

function audioContext(): AudioContext | null {
  if (audio) return audio
  const Ctor: AudioContextClass | undefined =
    window.AudioContext ?? (window as unknown as { webkitAudioContext?: AudioContextClass }).webkitAudioContext
  if (!Ctor) return null
  try {
    audio = new Ctor()
  } catch {
    return null
  }
  return audio
}

/** Readies the sound on a gesture of the agent's (a click, a key). */
export function unlockAudio(): void {
  const ctx = audioContext()
  if (ctx?.state === 'suspended') ctx.resume().catch(() => {})
}

/** A soft ding-dong, 0.4 s. False when the browser cannot play it. */
export function playChime(): boolean {
  const ctx = audioContext()
  if (!ctx) return false
  if (ctx.state === 'suspended') ctx.resume().catch(() => {})
  const start = ctx.currentTime + 0.02
  ;[880, 1318.5].forEach((frequency, i) => {
    const at = start + i * 0.15
    const tone = ctx.createOscillator()
    const gain = ctx.createGain()
    tone.type = 'sine'
    tone.frequency.value = frequency
    gain.gain.setValueAtTime(0.0001, at)
    gain.gain.exponentialRampToValueAtTime(0.18, at + 0.02)
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.26)
    tone.connect(gain).connect(ctx.destination)
    tone.start(at)
    tone.stop(at + 0.3)
  })
  return true
}

export type NotifyPermission = NotificationPermission | 'unsupported'

export function notifyPermission(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

/** Asks once the agent turned notifications on; answers what the browser allows. */
export async function askNotifyPermission(): Promise<NotifyPermission> {
  if (typeof Notification === 'undefined') return 'unsupported'
  if (Notification.permission !== 'default') return Notification.permission
  try {
    return await Notification.requestPermission()
  } catch {
    return Notification.permission
  }
}

/** A desktop notification; a click brings the window forward and runs `onClick`. One per
 *  `tag`: a newer one replaces it. */
export function showNotification(title: string, body: string, tag: string, onClick: () => void): boolean {
  if (notifyPermission() !== 'granted') return false
  try {
    const n = new Notification(title, { body, tag })
    n.onclick = () => {
      window.focus()
      n.close()
      onClick()
    }
    return true
  } catch {
    // Some browsers only notify from a service worker.
    return false
  }
}
