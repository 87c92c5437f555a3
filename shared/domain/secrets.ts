import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Random identifiers and bearer secrets. A secret token is `<id><secret>`: a 128-bit public id
 * that locates its record, then 256 random bits; only the SHA-256 of the whole token is stored.
 */

const ID_BYTES = 16; // 22 base64url characters
const SECRET_BYTES = 32; // 43 base64url characters
const ID_LENGTH = 22;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{65}$/;

/** A fresh random identifier (128 bits, base64url), usable as a key or an execution name. */
export function newId(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

/** A new token for the record `id`: the id followed by 256 fresh random bits. */
export function newSecretToken(id: string): string {
  return id + randomBytes(SECRET_BYTES).toString('base64url');
}

/** The record id a token points at, or undefined when the text cannot be one of our tokens. */
export function tokenRecordId(token: string): string | undefined {
  return TOKEN_PATTERN.test(token) ? token.slice(0, ID_LENGTH) : undefined;
}

const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** The SHA-256 of a token, hex: what is stored in its place. */
export function hashToken(token: string): string {
  return sha256(token).toString('hex');
}

/** Whether `token` hashes to `storedHash`, compared in constant time. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const actual = sha256(token);
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A one-way, non-reversible key for a client address, so rate-limit records hold no IP. */
export function anonymousKey(value: string): string {
  return createHash('sha256').update(`client:${value}`, 'utf8').digest('base64url').slice(0, 32);
}
