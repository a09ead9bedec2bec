import * as nodeCrypto from 'node:crypto';

// HMAC-SHA256 (RFC 2104) for one secret, many short messages: a bus signs one record per cancel,
// 10,000 in a burst, and `createHmac` builds a stream object and prepares the key for each. Here
// the key's pads are made once and each message costs two one-shot hashes into reused buffers.
// A spec holds it equal to `createHmac` for any secret and message.

const BLOCK = 64; // SHA-256's block, in bytes
const DIGEST = 32;
// the messages signed in the reused buffer, at most (UTF-16 units; three UTF-8 bytes each at most)
const SHORT = 4_096;

// `crypto.hash` is Node 20.12 and later; the engines field allows any 20: without it, createHmac
const oneShot = (nodeCrypto as Partial<Pick<typeof nodeCrypto, 'hash'>>).hash;

/**
 * A function giving the HMAC-SHA256 of a message (UTF-8) under `secret`, hex, as
 * `createHmac('sha256', secret).update(message).digest('hex')` does. Not reentrant, and needs
 * none: it is synchronous. `hash` is `crypto.hash` (given only by a spec, to check the fallback).
 *
 * @example
 * const sign = hmacSha256('a shared secret');
 * sign('message'); // the same as createHmac('sha256', 'a shared secret').update('message').digest('hex')
 */
export const hmacSha256 = (secret: string, hash: typeof oneShot = oneShot): ((message: string) => string) => {
  const key = nodeCrypto.createSecretKey(Buffer.from(secret, 'utf8'));
  if (hash === undefined) return (message) => nodeCrypto.createHmac('sha256', key).update(message).digest('hex');
  // a key longer than a block is hashed first (RFC 2104 §2); a shorter one is padded with zeros
  const raw = Buffer.from(secret, 'utf8');
  const padded = Buffer.alloc(BLOCK);
  (raw.length > BLOCK ? hash('sha256', raw, 'buffer') : raw).copy(padded);
  // inner: the key xor ipad, then the message; outer: the key xor opad, then the inner digest
  const inner = Buffer.alloc(BLOCK + SHORT * 3);
  const outer = Buffer.alloc(BLOCK + DIGEST);
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = (padded[i] ?? 0) ^ 0x36;
    outer[i] = (padded[i] ?? 0) ^ 0x5c;
  }
  return (message) => {
    // a long message (an announcement) is rare, and its hashing outweighs createHmac's setup
    if (message.length > SHORT) return nodeCrypto.createHmac('sha256', key).update(message).digest('hex');
    const n = inner.write(message, BLOCK, 'utf8');
    // the inner digest as a 'binary' (Latin-1) string, one byte a character: a Buffer each would be a
    // backing store for the collector to track, 10,000 of them in a burst
    outer.write(hash('sha256', inner.subarray(0, BLOCK + n), 'binary'), BLOCK, 'binary');
    return hash('sha256', outer, 'hex');
  };
};
