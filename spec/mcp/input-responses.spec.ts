import { expect } from 'chai';
import * as t from 'io-ts';
import { inputResponsesOf } from '../../lib/mcp.js';

const Named = t.type({ name: t.string });

describe('inputResponsesOf', () => {
  it('should decode each answer as the kind its key was asked for', () => {
    const r = inputResponsesOf({
      user_name: { action: 'accept', content: { name: 'Alice' } },
      capital: { role: 'assistant', content: { type: 'text', text: 'Paris' }, model: 'm', stopReason: 'endTurn' },
      roots: { roots: [{ uri: 'file:///test/root', name: 'Test Root' }] },
    });
    expect(r.elicit('user_name')).to.deep.equal({ action: 'accept', content: { name: 'Alice' } });
    expect(r.accepted('user_name', Named)).to.deep.equal({ name: 'Alice' });
    expect(r.createMessage('capital')?.model).to.equal('m');
    expect(r.listRoots('roots')?.roots.map((x) => x.uri)).to.deep.equal(['file:///test/root']);
    expect(r.keys).to.deep.equal(['user_name', 'capital', 'roots']);
  });

  it('should read an answer of another kind, or of no kind, as absent: the handler asks again', () => {
    const r = inputResponsesOf({ user_name: 12345, roots: { action: 'accept' }, capital: { role: 'assistant', model: 'm' } });
    expect(r.elicit('user_name')).to.equal(undefined);
    expect(r.listRoots('roots')).to.equal(undefined);
    expect(r.createMessage('capital')).to.equal(undefined);
    expect(r.elicit('absent')).to.equal(undefined);
  });

  it('should give no content for a declined elicitation, or content not of the shape asked for', () => {
    expect(inputResponsesOf({ a: { action: 'decline' } }).accepted('a', Named)).to.equal(undefined);
    expect(inputResponsesOf({ a: { action: 'accept', content: { name: 7 } } }).accepted('a', Named)).to.equal(undefined);
  });

  it('should read only own keys: a key named like a prototype member is absent unless sent', () => {
    const r = inputResponsesOf({});
    expect(r.elicit('constructor')).to.equal(undefined);
    expect(r.elicit('__proto__')).to.equal(undefined);
    expect(r.keys).to.deep.equal([]);
  });
});
