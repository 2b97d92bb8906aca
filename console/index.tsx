/**
 * The agent console, served at /console. The stylesheet is adopted rather than put in a <style>
 * tag, so the page keeps a strict Content-Security-Policy.
 */
import { render } from 'preact'
import { App } from './App.js'
import { adminCss } from './admin/styles.js'
import { searchCss } from './search/styles.js'
import { consoleCss } from './styles.js'
import { visitorsCss } from './visitors/styles.js'

const sheet = new CSSStyleSheet()
sheet.replaceSync(consoleCss + adminCss + searchCss + visitorsCss)
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]
render(<App />, document.body)
