import { createHash, randomBytes } from 'node:crypto'

/** A random bearer token: 32 bytes, URL-safe. `prefix` tells a reader what kind it is. */
export function newToken(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url')
}

/**
 * Tokens are stored as SHA-256 digests: they are long and random, so a fast hash is enough,
 * and a leaked database does not hand out working credentials.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

/** A short public identifier, such as a site key. */
export function newPublicKey(prefix: string): string {
  return prefix + randomBytes(9).toString('base64url')
}
