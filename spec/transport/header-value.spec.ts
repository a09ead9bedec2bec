import { expect } from 'chai';
import fc from 'fast-check';
import { decodeHeaderValue, encodeHeaderValue } from '../../lib/http.js';
import { compareHeaderValue } from '../../lib/transport/header-value.js';

describe('MCP header value encoding', () => {
  it('should encode the examples of the MCP 2026-07-28 table as it does', () => {
    expect(encodeHeaderValue('us-west1')).to.equal('us-west1');
    expect(encodeHeaderValue('Hello, 世界')).to.equal('=?base64?SGVsbG8sIOS4lueVjA==?=');
    expect(encodeHeaderValue(' padded ')).to.equal('=?base64?IHBhZGRlZCA=?=');
    expect(encodeHeaderValue('line1\nline2')).to.equal('=?base64?bGluZTEKbGluZTI=?=');
    expect(encodeHeaderValue('=?base64?literal?=')).to.equal('=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=');
  });

  it('should give back any string it encoded, and only header-safe text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      const v = encodeHeaderValue(s);
      expect(/^[\t\x20-\x7e]*$/.test(v)).to.equal(true);
      expect(decodeHeaderValue(v)).to.equal(s);
    }));
  });

  it('should refuse a sentinel whose Base64 or UTF-8 is broken', () => {
    expect(decodeHeaderValue('=?base64?***?=')).to.equal(undefined);
    expect(decodeHeaderValue(`=?base64?${btoa('\xff\xfe')}?=`)).to.equal(undefined);
  });

  it('should refuse Base64 that is not strict: bad padding, a character outside the alphabet, a space', () => {
    expect(decodeHeaderValue('=?base64?SGVsbG8?=')).to.equal(undefined);
    expect(decodeHeaderValue('=?base64?SGVs!!!bG8=?=')).to.equal(undefined);
    expect(decodeHeaderValue('=?base64?SGVs bG8=?=')).to.equal(undefined);
    expect(decodeHeaderValue('=?base64?SGVsbG8=A=?=')).to.equal(undefined);
    expect(decodeHeaderValue('=?base64?SGVsbG8=?=')).to.equal('Hello');
    expect(decodeHeaderValue('=?base64??=')).to.equal('');
  });

  it('should read a value without both markers as literal, and refuse one with characters no header may hold', () => {
    expect(decodeHeaderValue('SGVsbG8=')).to.equal('SGVsbG8=');
    expect(decodeHeaderValue('=?base64?SGVsbG8=')).to.equal('=?base64?SGVsbG8=');
    expect(decodeHeaderValue('=?BASE64?SGVsbG8=?=')).to.equal('=?BASE64?SGVsbG8=?=');
    expect(decodeHeaderValue('us west 1')).to.equal('us west 1');
    expect(decodeHeaderValue('caf\u00e9')).to.equal(undefined);
    expect(decodeHeaderValue('a\u0000b')).to.equal(undefined);
  });

  it('should compare strings exactly, booleans as true or false, and integers numerically', () => {
    expect(compareHeaderValue('us-west1', 'us-west1')).to.equal('match');
    expect(compareHeaderValue('US-WEST1', 'us-west1')).to.equal('mismatch');
    expect(compareHeaderValue('=?base64?SGVsbG8sIOS4lueVjA==?=', 'Hello, 世界')).to.equal('match');
    expect(compareHeaderValue('true', true)).to.equal('match');
    expect(compareHeaderValue('True', true)).to.equal('mismatch');
    expect(compareHeaderValue('42', 42)).to.equal('match');
    expect(compareHeaderValue('42.0', 42)).to.equal('match');
    expect(compareHeaderValue('-7', -7)).to.equal('match');
    for (const loose of ['0x2a', '', '42abc', '+42', '4 2']) expect(compareHeaderValue(loose, 42), loose).to.equal('mismatch');
    expect(compareHeaderValue('=?base64?NDI=?=', 42)).to.equal('match');
  });

  it('should match every value against its own encoding', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'grapheme' }), fc.boolean(), fc.maxSafeInteger()), (v) => {
      expect(compareHeaderValue(encodeHeaderValue(String(v)), v)).to.equal('match');
    }));
  });

  it('should call a 10 MB header a mismatch of a short value without decoding it', () => {
    const huge = `=?base64?${'A'.repeat(10 * 1024 * 1024)}?=`;
    const literal = 'x'.repeat(10 * 1024 * 1024);
    // decoding 10 MB takes tens of ms; a length check takes none
    const started = performance.now();
    for (let i = 0; i < 100; i++) {
      expect(compareHeaderValue(huge, 'Hello')).to.equal('mismatch');
      expect(compareHeaderValue(literal, 42)).to.equal('mismatch');
    }
    expect(performance.now() - started).to.be.lessThan(100);
  });
});
