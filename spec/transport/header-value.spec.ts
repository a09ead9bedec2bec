import { expect } from 'chai';
import fc from 'fast-check';
import { decodeHeaderValue, encodeHeaderValue } from '../../lib/index.js';

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
});
