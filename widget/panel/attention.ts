/**
 * Getting the visitor's attention when an agent writes while the chat is closed or the tab
 * hidden: a chime and a flashing page title, each of which a site can turn off
 * (`data-sound="off"`, `data-title-flash="off"` on the script tag).
 */
import type { LocaleName } from '../launcher-locales.js'
import { locales } from '../locales.js'

let flashing: ReturnType<typeof setInterval> | undefined
let originalTitle = ''

export function attract({ sound, flash, locale, count }: { sound: boolean; flash: boolean; locale: LocaleName; count: number }) {
  if (sound) playChime()
  if (!flash) return
  const text = `💬 ${locales[locale].newMessages(count)}`
  if (flashing) clearInterval(flashing)
  else originalTitle = document.title
  let on = false
  flashing = setInterval(() => {
    on = !on
    document.title = on ? text : originalTitle
  }, 1200)
}

export function stopAttracting() {
  if (!flashing) return
  clearInterval(flashing)
  flashing = undefined
  document.title = originalTitle
}

let chimeContext: AudioContext | undefined
/** A short two-note chime made on the spot: no sound file to fetch. */
function playChime() {
  try {
    chimeContext ??= new AudioContext()
    const now = chimeContext.currentTime
    for (const [offset, pitch] of [[0, 880], [0.12, 1320]] as const) {
      const tone = chimeContext.createOscillator()
      const gain = chimeContext.createGain()
      tone.frequency.value = pitch
      gain.gain.setValueAtTime(0.08, now + offset)
      gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.25)
      tone.connect(gain).connect(chimeContext.destination)
      tone.start(now + offset)
      tone.stop(now + offset + 0.3)
    }
  } catch {
    // no audio (autoplay policy, old browser): the title flash still tells
  }
}

