import { expect } from 'chai';
import { mcpServer, tool, type JsonSchema } from '../../lib/mcp.js';
import { headerParams, mirroredOf } from '../../lib/mcp/header-params.js';

// x-mcp-header (MCP 2026-07-28 server/tools; SEP-2243): which arguments a tool mirrors in
// Mcp-Param-* headers, read once from its inputSchema, and the rules an annotation must keep.

const object = (properties: Record<string, unknown>, more: Record<string, unknown> = {}): JsonSchema => ({ type: 'object', properties, ...more });
const annotated = (name: unknown, type: unknown = 'string'): Record<string, unknown> => ({ type, 'x-mcp-header': name });
const run = (): Promise<string> => Promise.resolve('ok');

describe('x-mcp-header annotations (lib/mcp/header-params)', () => {
  it('should find each annotated property and the chain of properties keys to it', () => {
    const schema = object({
      region: annotated('Region'),
      count: annotated('Count', 'integer'),
      flag: annotated('Flag', ['boolean', 'null']),
      plain: { type: 'string' },
      where: object({ zone: annotated('Zone') }),
    });
    expect(headerParams('t', schema)).to.deep.equal([
      { header: 'Mcp-Param-Region', path: ['region'] },
      { header: 'Mcp-Param-Count', path: ['count'] },
      { header: 'Mcp-Param-Flag', path: ['flag'] },
      { header: 'Mcp-Param-Zone', path: ['where', 'zone'] },
    ]);
  });

  it('should find none in a schema without annotations, whatever keywords it uses', () => {
    const schema = object(
      { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
      { $defs: { address: object({ city: { type: 'string' } }) }, allOf: [{ anyOf: [{ required: ['name'] }] }], default: { 'x-mcp-header': 'NotAnAnnotation' } },
    );
    expect(headerParams('t', schema)).to.deep.equal([]);
  });

  it('should refuse a name that is not an HTTP token, with the tool and the property named', () => {
    for (const name of ['', 'My Region', 'Region:Primary', 'Région', 'Region\t1', 'a\r\nb', 42, null]) {
      expect(() => headerParams('execute_sql', object({ region: annotated(name) })), JSON.stringify(name)).to.throw(TypeError, /tool execute_sql: x-mcp-header .* on property region must be a non-empty HTTP token/);
    }
    expect(headerParams('t', object({ m: annotated("A-Z_0.9!#$%&'*+^`|~") }))).to.have.length(1);
  });

  it('should refuse two annotations of one name, whatever their case', () => {
    expect(() => headerParams('t', object({ a: annotated('Region'), b: annotated('REGION') }))).to.throw(TypeError, /"REGION" on property b repeats "Region"/);
    expect(() => headerParams('t', object({ a: annotated('Region'), b: object({ c: annotated('region') }) }))).to.throw(TypeError, /repeats/);
  });

  it('should refuse an annotation on a property that is not a string, integer or boolean', () => {
    for (const type of ['number', 'array', 'object', 'null', ['string', 'integer'], ['null']]) {
      expect(() => headerParams('t', object({ v: annotated('V', type) })), JSON.stringify(type)).to.throw(TypeError, /needs type string, integer or boolean/);
    }
    // without a type, what the header would carry is unknown
    expect(() => headerParams('t', object({ v: { enum: ['a', 'b'], 'x-mcp-header': 'V' } }))).to.throw(TypeError, /got none/);
  });

  it('should refuse an annotation that is not statically reachable from the root', () => {
    const unreachable: JsonSchema[] = [
      object({ list: { type: 'array', items: annotated('Item') } }),
      object({}, { anyOf: [object({ a: annotated('A') })] }),
      object({}, { $defs: { a: annotated('A') } }),
      object({}, { if: object({ a: annotated('A') }), then: {} }),
      object({}, { patternProperties: { '^a': annotated('A') } }),
      { type: 'object', 'x-mcp-header': 'Root' },
    ];
    for (const schema of unreachable) expect(() => headerParams('t', schema), JSON.stringify(schema)).to.throw(TypeError, /is not statically reachable/);
  });

  it('should end on a cyclic schema, and walk a shared one at each place it is used', () => {
    const cyclic: Record<string, unknown> = object({ a: annotated('A') });
    cyclic['not'] = cyclic;
    expect(headerParams('t', cyclic)).to.have.length(1);
    const shared = annotated('Same');
    expect(() => headerParams('t', object({ a: shared, b: shared }))).to.throw(TypeError, /repeats/);
  });

  it('should look each value up by its path, own members only', () => {
    const params = [{ header: 'Mcp-Param-Region', path: ['region'] }, { header: 'Mcp-Param-Zone', path: ['where', 'zone'] }];
    expect(mirroredOf(params, { region: 'eu', where: { zone: 'b' } })).to.deep.equal([{ header: 'Mcp-Param-Region', value: 'eu' }, { header: 'Mcp-Param-Zone', value: 'b' }]);
    expect(mirroredOf(params, { region: null, where: 'flat' })).to.deep.equal([{ header: 'Mcp-Param-Region', value: null }, { header: 'Mcp-Param-Zone', value: undefined }]);
    expect(mirroredOf(params, undefined).map((m) => m.value)).to.deep.equal([undefined, undefined]);
    expect(mirroredOf([{ header: 'Mcp-Param-C', path: ['constructor'] }], {})[0]?.value).to.equal(undefined);
  });
});

describe('tool() and mcpServer() with x-mcp-header', () => {
  it('should refuse a tool whose annotation breaks a rule when it is defined', () => {
    expect(() => tool({ name: 'bad', inputSchema: object({ n: annotated('N', 'number') }), run })).to.throw(TypeError, /tool bad: x-mcp-header "N"/);
  });

  it('should list the tool with its annotations verbatim', () => {
    const inputSchema = object({ region: { ...annotated('Region'), description: 'where' } });
    const t = tool({ name: 'sql', inputSchema, run });
    expect(t.descriptor['inputSchema']).to.equal(inputSchema);
    expect(t.headerParams).to.deep.equal([{ header: 'Mcp-Param-Region', path: ['region'] }]);
  });

  it('should say which headers a tools/call mirrors, and none for any other request or an unknown tool', () => {
    const server = mcpServer({
      info: { name: 's', version: '1' },
      tools: [tool({ name: 'sql', inputSchema: object({ region: annotated('Region'), n: annotated('N', 'integer') }), run }), tool({ name: 'plain', run })],
    });
    expect(server.mirroredHeaders({ method: 'tools/call', params: { name: 'sql', arguments: { region: 'eu', n: 3 } } })).to.deep.equal([
      { header: 'Mcp-Param-Region', value: 'eu' },
      { header: 'Mcp-Param-N', value: 3 },
    ]);
    expect(server.mirroredHeaders({ method: 'tools/call', params: { name: 'plain', arguments: { region: 'eu' } } })).to.deep.equal([]);
    expect(server.mirroredHeaders({ method: 'tools/call', params: { name: 'nope' } })).to.deep.equal([]);
    expect(server.mirroredHeaders({ method: 'tools/call', params: { name: '__proto__' } })).to.deep.equal([]);
    expect(server.mirroredHeaders({ method: 'prompts/get', params: { name: 'sql' } })).to.deep.equal([]);
    expect(server.mirroredHeaders({ method: 'tools/call' })).to.deep.equal([]);
  });
});
