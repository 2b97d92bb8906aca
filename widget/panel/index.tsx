/**
 * The chat panel (stage 2): loaded by widget.js when the visitor opens the chat, or earlier
 * when the browser is idle. Preact and everything below it are paid for only here.
 */
import { render } from 'preact'
import { locales } from '../locales.js'
import type { LoaderContext } from './context.js'
import { Panel } from './Panel.js'
import { panelCss } from './styles.js'

export { attract, stopAttracting } from './attention.js'

/**
 * Draws the panel into `slot`, inside the loader's shadow root. The stylesheet is adopted rather
 * than put in a <style> tag, which a strict `style-src 'self'` would refuse.
 *
 * @example mountPanel(shadow.querySelector('.panel-slot'), context)
 */
export function mountPanel(slot: HTMLElement, context: LoaderContext) {
  // A ShadowRoot in the widget; a Document too has `adoptedStyleSheets`, should a page
  // (a demo, a test) mount the panel outside one.
  const root = slot.getRootNode() as ShadowRoot | Document
  const sheet = new CSSStyleSheet()
  sheet.replaceSync(panelCss)
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet]
  render(<Panel context={{ ...context, strings: locales[context.locale] }} />, slot)
}
