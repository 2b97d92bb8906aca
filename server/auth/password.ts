/**
 * Password hashing with scrypt from node:crypto: memory-hard, built into Node, so no native
 * dependency to compile. Hashes carry their parameters, so they can be raised later without
 * invalidating stored ones.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const KEY_LENGTH = 64
// N=2^15, r=8 costs about 32 MiB and tens of milliseconds: OWASP's floor for scrypt is N=2^17
// with r=8 and p=1 *or* an equivalent; 2^15 with p=3 gives similar work at a third of the memory.
const DEFAULTS = { N: 2 ** 15, r: 8, p: 3 }

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem: 128 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    )
  })
}

/** @example await hashPassword('correct horse') // 'scrypt$32768$8$3$<salt>$<hash>' */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, DEFAULTS)
  return ['scrypt', DEFAULTS.N, DEFAULTS.r, DEFAULTS.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) })
  return key.length === expected.length && timingSafeEqual(key, expected)
}
