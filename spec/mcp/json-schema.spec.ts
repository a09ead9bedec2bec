import { expect } from 'chai';
import * as t from 'io-ts';
import { ioTsJsonSchema } from '../../lib/mcp/json-schema.js';
import { tool } from '../../lib/mcp.js';

// The JSON Schema (2020-12) a tool shows for an io-ts codec: right for what it can describe,
// and `{}` (anything) rather than wrong for what it cannot.

describe('ioTsJsonSchema', () => {
  it('should describe objects, their required and optional members, and the primitives', () => {
    expect(ioTsJsonSchema(t.intersection([t.type({ text: t.string, n: t.number, ok: t.boolean }), t.partial({ times: t.Int })]))).to.deep.equal({
      type: 'object',
      properties: { text: { type: 'string' }, n: { type: 'number' }, ok: { type: 'boolean' }, times: { type: 'integer' } },
      required: ['text', 'n', 'ok'],
    });
    expect(ioTsJsonSchema(t.type({ a: t.union([t.string, t.undefined]) }))).to.deep.equal({ type: 'object', properties: { a: { type: 'string' } } });
  });

  it('should describe UnknownRecord as an object and UnknownArray as an array, so a tool may take any arguments', () => {
    expect(ioTsJsonSchema(t.UnknownRecord)).to.deep.equal({ type: 'object' });
    expect(ioTsJsonSchema(t.UnknownArray)).to.deep.equal({ type: 'array' });
    expect(tool({ name: 'any', args: t.UnknownRecord, run: () => Promise.resolve('') }).descriptor['inputSchema']).to.deep.equal({ type: 'object' });
  });

  it('should describe literals and keyof as enums, arrays, records and other unions', () => {
    expect(ioTsJsonSchema(t.union([t.literal('a'), t.literal('b')]))).to.deep.equal({ enum: ['a', 'b'] });
    expect(ioTsJsonSchema(t.keyof({ x: null, y: null }))).to.deep.equal({ enum: ['x', 'y'] });
    expect(ioTsJsonSchema(t.array(t.string))).to.deep.equal({ type: 'array', items: { type: 'string' } });
    expect(ioTsJsonSchema(t.record(t.string, t.number))).to.deep.equal({ type: 'object', additionalProperties: { type: 'number' } });
    expect(ioTsJsonSchema(t.union([t.string, t.number]))).to.deep.equal({ anyOf: [{ type: 'string' }, { type: 'number' }] });
  });

  it('should describe a recursive codec as anything, and stop however deep a codec goes', () => {
    interface Tree { kids: Tree[] }
    const Tree: t.Type<Tree> = t.recursion('Tree', () => t.type({ kids: t.array(Tree) }));
    expect(ioTsJsonSchema(Tree)).to.deep.equal({});
    let deep: t.Mixed = t.string;
    for (let i = 0; i < 100; i++) deep = t.array(deep);
    expect(() => ioTsJsonSchema(deep)).to.not.throw();
  });
});
