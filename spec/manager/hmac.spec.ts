import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { hmacSha256 } from '../../lib/manager/hmac.js';

// The bus signs and verifies with this HMAC: it must be createHmac's, byte for byte, for any secret
// (shorter or longer than a SHA-256 block) and any message (lone surrogates, long ones).
const reference = (secret: string, message: string): string => createHmac('sha256', secret).update(message).digest('hex');
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 200 }));

describe('hmacSha256', () => {
  it('should give what createHmac gives, for any secret and message', () => {
    fc.assert(
      fc.property(text, fc.array(text, { maxLength: 4 }), (secret, messages) => {
        const sign = hmacSha256(secret);
        for (const m of messages) expect(sign(m)).to.equal(reference(secret, m));
      }),
      { numRuns: 2_000 },
    );
  });

  it('should give it for messages past the reused buffer, and without crypto.hash', () => {
    const secret = 's'.repeat(65);
    const messages = ['', 'é'.repeat(4_096), '😀'.repeat(2_048), '😀'.repeat(2_049), '€'.repeat(5_000), 'x'.repeat(100_000), '\ud800'];
    for (const sign of [hmacSha256(secret), hmacSha256(secret, undefined)]) for (const m of messages) expect(sign(m)).to.equal(reference(secret, m));
  });
});
