import { expect } from 'chai';
import { capabilityNeeded, inputRequired, missingCapabilities } from '../../lib/mcp.js';

const form = inputRequired.elicit({ message: 'Name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } });
const url = inputRequired.elicit({ mode: 'url', message: 'Sign in', url: 'https://example.com/login', elicitationId: 'e1' });
const sample = inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Hi' } }], maxTokens: 10 });

describe('inputRequired', () => {
  it('should build each kind of input request as the method and params of the request it replaces', () => {
    expect(form).to.deep.equal({ method: 'elicitation/create', params: { message: 'Name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } } });
    expect(sample.method).to.equal('sampling/createMessage');
    expect(inputRequired.listRoots()).to.deep.equal({ method: 'roots/list', params: {} });
  });

  it('should tell its answers from results, including plain objects shaped like one', () => {
    expect(inputRequired.is(inputRequired({ inputRequests: { a: form } }))).to.equal(true);
    expect(inputRequired.is({ resultType: 'input_required', inputRequests: { a: form } })).to.equal(false);
    expect(inputRequired.is('text')).to.equal(false);
    expect(inputRequired.is(null)).to.equal(false);
  });

  it('should refuse an answer that asks nothing and keeps nothing, an empty key, or a state of another type', () => {
    expect(() => inputRequired({})).to.throw(TypeError, /inputRequests, requestState or both/);
    expect(() => inputRequired({ inputRequests: { '': form } })).to.throw(TypeError, /non-empty keys/);
    expect(() => inputRequired({ requestState: 42 as unknown as string })).to.throw(TypeError, /string or an object/);
  });
});

describe('missingCapabilities', () => {
  it('should need elicitation for a form, elicitation.url for a URL, sampling, and roots', () => {
    expect(capabilityNeeded(form)).to.deep.equal({ elicitation: {} });
    expect(capabilityNeeded(url)).to.deep.equal({ elicitation: { url: {} } });
    expect(capabilityNeeded(sample)).to.deep.equal({ sampling: {} });
    expect(capabilityNeeded(inputRequired.listRoots())).to.deep.equal({ roots: {} });
  });

  it('should find nothing missing when the request declares every kind asked for', () => {
    expect(missingCapabilities({ a: form, b: sample, c: inputRequired.listRoots() }, { elicitation: {}, sampling: {}, roots: { listChanged: true } })).to.equal(undefined);
  });

  it('should merge what is missing into one ClientCapabilities object', () => {
    expect(missingCapabilities({ a: form, b: sample, c: url }, { sampling: {} })).to.deep.equal({ elicitation: { url: {} } });
    expect(missingCapabilities({ a: url }, { elicitation: { form: {} } })).to.deep.equal({ elicitation: { url: {} } });
    expect(missingCapabilities({ r: inputRequired.listRoots() }, { roots: true })).to.deep.equal({ roots: {} });
  });
});
