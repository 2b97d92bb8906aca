/** Who a visitor is: their profile, where they are and their earlier conversations. */
import { Hono } from 'hono'
import { UAParser } from 'ua-parser-js'
import type { VisitorContextAnswer, VisitorDetails } from '../../../protocol/index.js'
import type { Visitor } from '../../store/types.js'
import { apiError } from '../errors.js'
import type { ConsoleEnv } from './console-auth.js'
import type { ConsoleApiDeps } from './console-deps.js'

/** Conversations listed with a visitor: enough to recognise a regular, bounded for a very chatty one. */
const VISITOR_CONVERSATIONS = 20

export function visitorRoutes({ store, service }: ConsoleApiDeps) {
  const app = new Hono<ConsoleEnv>()

  app.get('/visitors/:id{[0-9]{1,15}}', async (c) => {
    const visitor = await store.getVisitor(Number(c.req.param('id')))
    // One answer for "missing" and "another site's", so that ids cannot be probed.
    if (!visitor || !c.var.siteIds.includes(visitor.siteId)) {
      return apiError(c, 404, 'not_found', `no visitor has the id ${c.req.param('id')}`)
    }
    const [site, visit, conversations] = await Promise.all([
      store.getSite(visitor.siteId),
      service.visitOf(visitor.id),
      store.listConversations({ siteIds: [visitor.siteId], visitorId: visitor.id }, VISITOR_CONVERSATIONS),
    ])
    const details: VisitorDetails = {
      ...profileOf(visitor),
      site: { id: visitor.siteId, name: site?.name ?? '' },
      ...describeUserAgent(visitor.userAgent),
      ...(visit ? { visit: { since: visit.since, returning: visit.returning } } : {}),
    }
    // The page presence knows is fresher than the stored one, which is written on the same frames.
    if (visit?.pageUrl) details.page = { url: visit.pageUrl, ...(visit.pageTitle ? { title: visit.pageTitle } : {}) }
    const answer: VisitorContextAnswer = { visitor: details, conversations: await Promise.all(conversations.map(service.summaryOf)) }
    return c.json(answer)
  })

  return app
}

function profileOf(visitor: Visitor): Omit<VisitorDetails, 'site'> {
  const details: Omit<VisitorDetails, 'site'> = {
    id: visitor.id,
    attributes: visitor.attributes,
    page: {},
    firstSeenAt: visitor.firstSeenAt,
    lastSeenAt: visitor.lastSeenAt,
  }
  if (visitor.name) details.name = visitor.name
  if (visitor.email) details.email = visitor.email
  if (visitor.pageUrl) details.page.url = visitor.pageUrl
  if (visitor.pageTitle) details.page.title = visitor.pageTitle
  if (visitor.referrer) details.referrer = visitor.referrer
  if (visitor.locale) details.locale = visitor.locale
  if (visitor.timeZone) details.timeZone = visitor.timeZone
  return details
}

/** Browser, system and device in words, from a user agent string. */
function describeUserAgent(userAgent: string | undefined): Pick<VisitorDetails, 'browser' | 'os' | 'device'> {
  if (!userAgent) return {}
  const { browser, os, device } = new UAParser(userAgent).getResult()
  const words = (...parts: (string | undefined)[]) => parts.filter(Boolean).join(' ') || undefined
  const described: Pick<VisitorDetails, 'browser' | 'os' | 'device'> = {}
  const browserName = words(browser.name, browser.major)
  const osName = words(os.name, os.version)
  // Desktops name no device: only phones, tablets and the like say what they are.
  const deviceName = device.type ? words(device.vendor, device.model) ?? device.type : undefined
  if (browserName) described.browser = browserName
  if (osName) described.os = osName
  if (deviceName) described.device = deviceName
  return described
}
