import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Identity verification: the site's own server signs its user id with the site's secret
 * (HMAC-SHA256, hex), the page passes both to the widget, and Parley checks the signature.
 * A page alone cannot claim to be another user: it does not know the secret.
 *
 * @example signVisitorIdentity('pis_secret', 'user-42') // what the site's server computes
 */
export function signVisitorIdentity(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(userId).digest('hex')
}

export function isVisitorIdentityValid(secret: string, identity: { userId: string; hash: string }): boolean {
  const expected = Buffer.from(signVisitorIdentity(secret, identity.userId), 'hex')
  const given = Buffer.from(identity.hash, 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected)
}
