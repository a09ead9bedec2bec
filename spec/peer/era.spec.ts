import { expect } from 'chai';
import { NEVER, Subject } from 'rxjs';
import { createPeer, ErrorCodes } from '../../lib/index.js';
import type { JsonRpcMessage } from '../../lib/codecs.js';
import { META_CLIENT_CAPABILITIES, META_CLIENT_INFO, META_PROTOCOL_VERSION } from '../../lib/codec/era.js';
import { cancel, cancelsOnWire, drive, flush, ofType, pair, req, responsesOnWire } from '../helpers.js';

const v2026 = { [META_PROTOCOL_VERSION]: '2026-07-28', [META_CLIENT_CAPABILITIES]: {} };
const naming = (version: string): Record<string, unknown> => ({ _meta: { [META_PROTOCOL_VERSION]: version, [META_CLIENT_CAPABILITIES]: {} } });
const errorOf = (out: readonly JsonRpcMessage[], id: number): { code: number; message: string; data?: unknown } | undefined => {
  const r = responsesOnWire(out, id)[0];
  return r !== undefined && 'error' in r ? r.error : undefined;
};

describe('protocol eras', () => {
  describe('deciding the era (auto)', () => {
    it('should decide 2026-07-28 on the first request naming that version, once', () => {
      const d = drive({ handlers: { 'tools/list': () => Promise.resolve({ tools: [] }) } });
      d.incoming.next(req(1, 'tools/list', { _meta: v2026 }));
      d.incoming.next(req(2, 'tools/list', { _meta: v2026 }));
      expect(ofType(d.events, 'era-decided').map((e) => [e.era, e.by])).to.deep.equal([['2026-07-28', 'request']]);
    });

    it('should decide 2025-11-25 on an initialize, and keep it from being cancelled', async () => {
      const d = drive({ handlers: { initialize: () => NEVER } });
      d.incoming.next(req(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } }));
      d.incoming.next(cancel(0));
      await flush();
      expect(ofType(d.events, 'era-decided').map((e) => [e.era, e.by])).to.deep.equal([['2025-11-25', 'initialize']]);
      expect(ofType(d.events, 'cancel-ignored').map((e) => e.why)).to.deep.equal(['not-cancellable']);
    });

    it('should leave the era undecided by a server/discover probe it sends, so an initialize after a failed probe decides 2025', () => {
      const d = drive();
      d.peer.request('server/discover', { _meta: v2026 }).subscribe({ error: () => undefined });
      expect(d.peer.era()).to.equal(undefined);
      d.peer.request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } }).subscribe({ error: () => undefined });
      expect(ofType(d.events, 'era-decided').map((e) => [e.era, e.by])).to.deep.equal([['2025-11-25', 'initialize']]);
    });

    it('should answer a version it does not speak with -32022, listing the ones it does', async () => {
      const d = drive({ handlers: { 'tools/list': () => Promise.resolve({ tools: [] }) } });
      d.incoming.next(req(1, 'tools/list', naming('2099-01-01')));
      await flush();
      const e = errorOf(d.out, 1);
      expect(e?.code).to.equal(ErrorCodes.UnsupportedProtocolVersion);
      expect(e?.data).to.deep.equal({ supported: ['2026-07-28'], requested: '2099-01-01' });
      // nothing decided: the client retries with a version from the list
      expect(ofType(d.events, 'era-decided')).to.have.length(0);
    });

    it('should refuse a 2026 request on a connection an initialize made 2025', async () => {
      const d = drive({ handlers: { initialize: () => Promise.resolve({}), 'tools/list': () => Promise.resolve({ tools: [] }) } });
      d.incoming.next(req(0, 'initialize', {}));
      d.incoming.next(req(1, 'tools/list', { _meta: v2026 }));
      await flush();
      expect(errorOf(d.out, 1)).to.deep.include({ code: ErrorCodes.UnsupportedProtocolVersion });
      expect((errorOf(d.out, 1)?.data as { supported: string[] }).supported).to.not.include('2026-07-28');
    });

    it('should quote a 1 MB version bounded, in the reply and its event', async () => {
      const d = drive({ handlers: { x: () => Promise.resolve({}) } });
      d.incoming.next(req(1, 'x', naming('v'.repeat(1_000_000))));
      await flush();
      expect(JSON.stringify(responsesOnWire(d.out, 1)).length).to.be.below(2_000);
      expect(JSON.stringify(ofType(d.events, 'request-failed')).length).to.be.below(2_000);
    });

    it('should take a version that is not a string as naming none', async () => {
      const d = drive({ handlers: { x: () => Promise.resolve({ ok: true }) } });
      d.incoming.next(req(1, 'x', { _meta: { [META_PROTOCOL_VERSION]: 2026 } }));
      d.incoming.next(req(2, 'x', { _meta: null }));
      await flush();
      expect(responsesOnWire(d.out).map((r) => 'result' in r)).to.deep.equal([true, true]);
    });
  });

  describe('pinned eras', () => {
    it('should say which era it runs at once when the option gives it', () => {
      const d = drive({ era: '2026-07-28' });
      expect(ofType(d.events, 'era-decided').map((e) => [e.era, e.by])).to.deep.equal([['2026-07-28', 'option']]);
      expect(d.peer.era()).to.equal('2026-07-28');
    });

    it('should tell its era through era() once auto decides, and undefined before', () => {
      const d = drive({ handlers: { initialize: () => Promise.resolve({}) } });
      expect(d.peer.era()).to.equal(undefined);
      d.incoming.next(req(0, 'initialize', {}));
      expect(d.peer.era()).to.equal('2025-11-25');
    });

    it('should refuse a 2026 request when pinned to 2025, so a 2026 client falls back', async () => {
      const d = drive({ era: '2025-11-25', handlers: { 'server/discover': () => Promise.resolve({}) } });
      d.incoming.next(req(1, 'server/discover', { _meta: v2026 }));
      await flush();
      expect(errorOf(d.out, 1)?.code).to.equal(ErrorCodes.UnsupportedProtocolVersion);
    });

    it('should answer the methods 2026-07-28 removed with -32601 under its rules, though handlers exist', async () => {
      const ok = () => Promise.resolve({});
      const d = drive({ era: '2026-07-28', handlers: { initialize: ok, ping: ok, 'logging/setLevel': ok, 'tools/list': ok } });
      ['initialize', 'ping', 'logging/setLevel', 'tools/list'].forEach((method, i) => d.incoming.next(req(i, method, { _meta: v2026 })));
      await flush();
      expect([0, 1, 2, 3].map((i) => errorOf(d.out, i)?.code)).to.deep.equal([ErrorCodes.MethodNotFound, ErrorCodes.MethodNotFound, ErrorCodes.MethodNotFound, undefined]);
    });

    it('should answer server/discover with -32601 once an initialize made the connection 2025', async () => {
      const ok = () => Promise.resolve({});
      const d = drive({ handlers: { initialize: ok, 'server/discover': ok } });
      d.incoming.next(req(0, 'initialize', {}));
      d.incoming.next(req(1, 'server/discover'));
      await flush();
      expect(errorOf(d.out, 1)?.code).to.equal(ErrorCodes.MethodNotFound);
    });

    it('should refuse, with -32602, a 2026 request without capabilities, and one naming no version once the era is 2026', async () => {
      const ok = () => Promise.resolve({});
      const d = drive({ era: '2026-07-28', handlers: { 'tools/list': ok } });
      d.incoming.next(req(1, 'tools/list', { _meta: { [META_PROTOCOL_VERSION]: '2026-07-28' } }));
      d.incoming.next(req(2, 'tools/list', { _meta: { [META_PROTOCOL_VERSION]: '2026-07-28', [META_CLIENT_CAPABILITIES]: [] } }));
      d.incoming.next(req(3, 'tools/list'));
      await flush();
      expect([1, 2, 3].map((i) => errorOf(d.out, i)?.code)).to.deep.equal([ErrorCodes.InvalidParams, ErrorCodes.InvalidParams, ErrorCodes.InvalidParams]);
    });

    it('should serve a finished id again as a new request (2026-07-28: ids differ only from pending ones)', async () => {
      const d = drive({ era: '2026-07-28', handlers: { 'tools/list': () => Promise.resolve({ tools: [] }) } });
      d.incoming.next(req(1, 'tools/list', { _meta: v2026 }));
      await flush();
      d.incoming.next(req(1, 'tools/list', { _meta: v2026 }));
      await flush();
      expect(responsesOnWire(d.out, 1).map((r) => 'result' in r)).to.deep.equal([true, true]);
    });

    it('should throw a TypeError at construction for an era that does not exist', () => {
      expect(() => createPeer(new Subject(), { era: '2024' as never })).to.throw(TypeError, /era/);
    });
  });

  describe('who cancels', () => {
    it('should stamp every request of a 2026 client with its version and capabilities, keeping the caller _meta', async () => {
      const d = drive({ era: '2026-07-28', clientCapabilities: { sampling: {} }, clientInfo: { name: 'rx', version: '1.0.0' } });
      d.peer.request('tools/call', { name: 'echo', _meta: { custom: 1 } }, { onProgress: () => undefined }).subscribe({ error: () => undefined });
      d.peer.request('tools/list').subscribe({ error: () => undefined });
      await flush();
      const [a, b] = d.out as Array<{ params?: { _meta?: Record<string, unknown> } }>;
      expect(a?.params?._meta).to.deep.equal({
        [META_PROTOCOL_VERSION]: '2026-07-28', [META_CLIENT_CAPABILITIES]: { sampling: {} }, [META_CLIENT_INFO]: { name: 'rx', version: '1.0.0' }, custom: 1, progressToken: 0,
      });
      expect(b?.params?._meta?.[META_PROTOCOL_VERSION]).to.equal('2026-07-28');
    });

    it('should have a 2026 client cancel by notification (stdio: the client MUST)', async () => {
      const { client, wire } = pair({ era: '2026-07-28' }, { handlers: { slow: () => NEVER } });
      const s = client.request('slow').subscribe({ error: () => undefined });
      await flush();
      s.unsubscribe();
      await flush();
      expect(cancelsOnWire(wire)).to.have.length(1);
    });

    it('should never send notifications/cancelled as a 2026 server, for a request of its own it gives up', async () => {
      const { client, server, wire, serverEvents } = pair(
        { era: '2026-07-28', handlers: { 'roots/list': () => NEVER } },
        { handlers: { 'tools/call': () => NEVER } },
      );
      client.request('tools/call', { name: 'x' }).subscribe({ error: () => undefined });
      await flush();
      expect(ofType(serverEvents, 'era-decided').map((e) => e.era)).to.deep.equal(['2026-07-28']);
      const s = server.request('roots/list').subscribe({ error: () => undefined });
      await flush();
      s.unsubscribe();
      await flush();
      expect(cancelsOnWire(wire)).to.deep.equal([]);
      expect(server.inFlight().sending).to.equal(0);
    });

    it('should still cancel by notification as a 2025 server', async () => {
      const { client, server, wire } = pair({ handlers: { 'roots/list': () => NEVER } }, { handlers: { initialize: () => Promise.resolve({}) } });
      client.request('initialize', {}).subscribe({ error: () => undefined });
      await flush();
      const s = server.request('roots/list').subscribe({ error: () => undefined });
      await flush();
      s.unsubscribe();
      await flush();
      expect(cancelsOnWire(wire)).to.have.length(1);
    });
  });
});
