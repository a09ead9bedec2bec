import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { MAX_REQUEST_STATE_LENGTH, requestStateCodec } from '../../lib/mcp.js';

const SECRET = 'k'.repeat(32);
const BOOK = { method: 'tools/call', name: 'book' } as const;

/** A clock the test moves by hand (the codec reads only `now`). */
const clock = (): SchedulerLike & { at: number } => {
  const c = { at: 1_000, now: () => c.at, schedule: asyncScheduler.schedule.bind(asyncScheduler) };
  return c;
};

// a character of base64url other than `c`: changes the text, keeps it well formed
const flip = (c: string): string => (c === 'A' ? 'B' : 'A');

describe('requestStateCodec', () => {
  it('should open what it sealed, an object or a string, for the same request', () => {
    const codec = requestStateCodec({ secret: SECRET });
    expect(codec.open(codec.seal({ round: 2, name: 'Alice' }, BOOK), BOOK)).to.deep.equal(E.right({ round: 2, name: 'Alice' }));
    expect(codec.open(codec.seal('awaiting', BOOK), BOOK)).to.deep.equal(E.right('awaiting'));
  });

  it('should refuse a state with text appended, as the conformance suite tampers it', () => {
    const codec = requestStateCodec({ secret: SECRET });
    expect(codec.open(`${codec.seal('x', BOOK)}-TAMPERED`, BOOK)).to.deep.equal(E.left('forged'));
  });

  it('should refuse a state whose payload changed by one character, and keep nothing of it', () => {
    const codec = requestStateCodec({ secret: SECRET });
    const [v, payload = '', tag] = codec.seal({ admin: false }, BOOK).split('.');
    for (let i = 0; i < payload.length; i += 7) {
      const changed = payload.slice(0, i) + flip(payload.charAt(i)) + payload.slice(i + 1);
      expect(codec.open(`${v}.${changed}.${tag}`, BOOK), `at ${i}`).to.deep.equal(E.left('forged'));
    }
  });

  it('should refuse a state whose tag changed in its last character, even in bits base64url decoding drops', () => {
    const codec = requestStateCodec({ secret: SECRET });
    const sealed = codec.seal('x', BOOK);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 43 characters carry 32 bytes: the last one's two low bits are not decoded
    const sibling = alphabet.charAt(alphabet.indexOf(sealed.charAt(sealed.length - 1)) ^ 1);
    const changed = sealed.slice(0, -1) + sibling;
    expect(Buffer.from(changed.split('.')[2] ?? '', 'base64url')).to.deep.equal(Buffer.from(sealed.split('.')[2] ?? '', 'base64url'));
    expect(codec.open(changed, BOOK)).to.deep.equal(E.left('forged'));
  });

  it('should refuse a state sealed with another secret', () => {
    const ours = requestStateCodec({ secret: SECRET });
    const theirs = requestStateCodec({ secret: 'z'.repeat(32) });
    expect(ours.open(theirs.seal('x', BOOK), BOOK)).to.deep.equal(E.left('forged'));
  });

  it('should refuse a state once its TTL has passed, and not a millisecond before', () => {
    const c = clock();
    const codec = requestStateCodec({ secret: SECRET, ttlMs: 5_000, scheduler: c });
    const sealed = codec.seal('x', BOOK);
    c.at += 4_999;
    expect(codec.open(sealed, BOOK)).to.deep.equal(E.right('x'));
    c.at += 1;
    expect(codec.open(sealed, BOOK)).to.deep.equal(E.left('expired'));
  });

  it('should refuse a state replayed on another tool, or another method of the same name', () => {
    const codec = requestStateCodec({ secret: SECRET });
    const sealed = codec.seal('x', BOOK);
    expect(codec.open(sealed, { method: 'tools/call', name: 'cancel_booking' })).to.deep.equal(E.left('foreign'));
    expect(codec.open(sealed, { method: 'prompts/get', name: 'book' })).to.deep.equal(E.left('foreign'));
  });

  it('should refuse malformed texts without throwing', () => {
    const codec = requestStateCodec({ secret: SECRET });
    for (const bad of ['', 'x', 'v1.a', 'v2.a.b', 'v1.a.b.c', 'v1.!!.??', 'v1..', 'v1.' + 'A'.repeat(MAX_REQUEST_STATE_LENGTH)])
      expect(E.isLeft(codec.open(bad, BOOK)), bad.slice(0, 20)).to.equal(true);
  });

  it('should refuse a secret shorter than 32 bytes and a TTL that is not a positive integer', () => {
    expect(() => requestStateCodec({ secret: 'short' })).to.throw(TypeError, /32 bytes/);
    expect(() => requestStateCodec({ secret: new Uint8Array(16) })).to.throw(TypeError, /32 bytes/);
    expect(() => requestStateCodec({ secret: SECRET, ttlMs: 0 })).to.throw(TypeError, /ttlMs/);
    expect(() => requestStateCodec({ secret: SECRET, ttlMs: 1.5 })).to.throw(TypeError, /ttlMs/);
  });

  it('should keep its key when the caller reuses the secret buffer', () => {
    const key = new Uint8Array(32).fill(7);
    const codec = requestStateCodec({ secret: key });
    const sealed = codec.seal('x', BOOK);
    key.fill(0);
    expect(codec.open(sealed, BOOK)).to.deep.equal(E.right('x'));
  });
});
