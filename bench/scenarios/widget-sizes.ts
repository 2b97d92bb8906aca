/**
 * The widget's bytes (this build, gzip and brotli) beside the figures other chat widgets
 * publish about their own. Theirs are quoted, not measured here: each names its source and
 * what it counts, and they count different things.
 */
import { dateAndMachine, kb, table, wrap } from '../results-file.js'
import type { WidgetSizes } from '../widget-size.js'

/** Published figures, as their sources state them. */
const OTHERS: [widget: string, figure: string, source: string][] = [
  [
    'Intercom Messenger',
    'the Messenger bundle (`frame.js`) was "almost 600 kb of gzipped JavaScript" at the end of the year before the post (2019), up from 400 kb; the post then describes cutting it by 65 %, and gives no figure for what was left',
    '[Intercom blog, "Reducing the Intercom Messenger bundle size by 65%"](https://www.intercom.com/blog/reducing-intercom-messenger-bundle-size/)',
  ],
  [
    'Crisp',
    '"only 130KB to download": scripts 90 KB, stylesheets 45 KB, fonts 10 KB per font group, compressed; an earlier post gives 232 KB compressed for a full load before a 30 % reduction',
    '[Crisp help, "Will Crisp slow down my website?"](https://help.crisp.chat/en/article/will-crisp-slow-down-my-website-1wfqufw/); [Crisp blog](https://crisp.chat/blog/fastest-live-chat/)',
  ],
  [
    'Chatwoot',
    'the widget bundle\'s size limit was set to 300 KB in 2024, "the max we should let it allow to grow"; a 2021 Lighthouse report in an issue shows the widget script at 170.4 KiB transferred',
    '[chatwoot/chatwoot#9289](https://github.com/chatwoot/chatwoot/pull/9289); [chatwoot/chatwoot#2658](https://github.com/chatwoot/chatwoot/issues/2658)',
  ],
  ['tawk.to', 'not found: no size published by tawk.to, nor a measurement we could cite', '—'],
]

export function widgetSizesReport(size: WidgetSizes, load: number): string {
  return [
    '## Widget bundle beside other chat widgets (`npm run bench -- widget`)',
    '',
    wrap(`${dateAndMachine(load)} Parley's figures are this build's files in dist/public (gzip level 9, brotli
      quality 11, node:zlib): the loader is in every page view, the panel is fetched when the visitor
      is idle or opens the chat. The timings are \`npm run bench:widget\`'s (above). The other widgets'
      figures are what their makers or their repositories published, quoted with what they count:
      they were not measured here and are not like for like.`),
    '',
    table(['Parley', 'raw', 'gzip', 'brotli'], [
      ['loader `widget.js`', kb(size.loader.raw), kb(size.loader.gzip), kb(size.loader.brotli)],
      ['panel (Preact included)', kb(size.panel.raw), kb(size.panel.gzip), kb(size.panel.brotli)],
      ['loader + panel', kb(size.loader.raw + size.panel.raw), kb(size.loader.gzip + size.panel.gzip), kb(size.loader.brotli + size.panel.brotli)],
    ]),
    '',
    table(['widget', 'published figure', 'source'], OTHERS.map(([widget, figure, source]) => [widget, figure, source])),
    '',
  ].join('\n')
}
