/**
 * Telling an agent who looks elsewhere: a short chime made by an oscillator (no sound file to
 * load) and a desktop notification, once they have allowed them. Every browser API here is
 * feature-detected and may refuse; a refusal costs the alert, never an error.
 */
import type { Alert } from './alerts.js'

export type NotificationsState = NotificationPermission | 'unsupported'

export function notificationsState(): NotificationsState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

/** Asks for permission: call it from a click, never on load (browsers ignore or punish that). */
export async function askForNotifications(): Promise<NotificationsState> {
  unlockSound()
  try {
    return await Notification.requestPermission()
  } catch {
    return notificationsState()
  }
}

let audio: AudioContext | undefined
let lastChimeAt = 0

/**
 * Browsers keep an AudioContext silent until the user has interacted with the page: call this
 * from a click or key press, so that later chimes, from network events, can play.
 */
export function unlockSound() {
  try {
    audio ??= new AudioContext()
    if (audio.state === 'suspended') audio.resume().catch(() => {})
  } catch {
    // No Web Audio: alerts stay silent.
  }
}

/** Two quick soft notes, at most once a second however many messages arrive together. */
export function playChime() {
  const now = Date.now()
  if (now - lastChimeAt < 1000) return
  lastChimeAt = now
  try {
    audio ??= new AudioContext()
    // Not unlocked yet: a chime scheduled now would play, stale, at the first click.
    if (audio.state !== 'running') return
    const start = audio.currentTime
    const tone = audio.createOscillator()
    const volume = audio.createGain()
    tone.type = 'sine'
    tone.frequency.setValueAtTime(880, start)
    tone.frequency.setValueAtTime(1320, start + 0.09)
    volume.gain.setValueAtTime(0.0001, start)
    volume.gain.exponentialRampToValueAtTime(0.12, start + 0.015)
    volume.gain.exponentialRampToValueAtTime(0.0001, start + 0.28)
    tone.connect(volume).connect(audio.destination)
    tone.start(start)
    tone.stop(start + 0.3)
  } catch {
    // No Web Audio: alerts stay silent.
  }
}

/** A desktop notification, one per conversation (a newer one replaces it); a click opens the conversation. */
export function showNotification(alert: Alert, onOpen: (conv: number) => void) {
  if (notificationsState() !== 'granted') return
  try {
    const notification = new Notification(alert.title, { body: alert.body, tag: `parley-conv-${alert.conv}` })
    notification.onclick = () => {
      window.focus()
      onOpen(alert.conv)
      notification.close()
    }
  } catch {
    // Chrome on Android allows notifications only through a service worker: none here.
  }
}
