import { expect } from 'chai';
import { Subject, config, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ConnectionClosedError, createPeer, type Peer, type PeerOptions } from '../lib/index.js';
import type { JsonRpcMessage, RequestId } from '../lib/codecs.js';
import type { PeerEvent } from '../lib/peer/events.js';

// Errors compare by name, code and message: chai's deep equality does not look inside them.
const plain = (v: unknown): unknown => {
  if (v instanceof Error) return { name: v.name, message: v.message, code: (v as { code?: unknown }).code };
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
};

export const testScheduler = (): TestScheduler => new TestScheduler((a, e) => {
    expect(plain(a)).to.deep.equal(plain(e));
  });

/** Marble values typed as messages (no casts in the marbles). */
export const m = (x: Record<string, JsonRpcMessage>): Record<string, JsonRpcMessage> => x;

export const req = (id: RequestId, method: string, params?: Record<string, unknown>): JsonRpcMessage =>
  params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
export const cancel = (requestId: unknown, reason?: unknown): JsonRpcMessage =>
  ({ jsonrpc: '2.0', method: 'notifications/cancelled', params: reason === undefined ? { requestId } : { requestId, reason } }) as JsonRpcMessage;
export const result = (id: RequestId, r: Record<string, unknown> = {}): JsonRpcMessage => ({ jsonrpc: '2.0', id, result: r });
export const progress = (progressToken: RequestId, p: number, total?: number): JsonRpcMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: total === undefined ? { progressToken, progress: p } : { progressToken, progress: p, total },
});

/** A peer driven by hand: push incoming values, read what it wrote and what it reported. */
export interface Driven {
  readonly peer: Peer;
  readonly incoming: Subject<unknown>;
  readonly out: JsonRpcMessage[];
  readonly events: PeerEvent[];
  readonly done: { completed: boolean };
}

// every connection a test opens is closed after it: a pending request holds a 60 s timeout, and
// the suite must end without `--exit` (a timer left behind would be a leak to find)
const opened: Array<Subject<unknown>> = [];
// closing errors the requests a test left pending with ConnectionClosedError, and a test that
// subscribed without an error callback did not ask to hear it: RxJS would rethrow it out of band
config.onUnhandledError = (e: unknown) => {
  if (e instanceof ConnectionClosedError) return;
  throw e;
};
afterEach(() => {
  for (const s of opened.splice(0)) s.complete();
});

export const drive = (options: PeerOptions = {}): Driven => {
  const incoming = new Subject<unknown>();
  opened.push(incoming);
  const peer = createPeer(incoming, options);
  const out: JsonRpcMessage[] = [];
  const events: PeerEvent[] = [];
  const done = { completed: false };
  peer.events$.subscribe((e) => events.push(e));
  peer.outgoing$.subscribe({ next: (m) => out.push(m), complete: () => (done.completed = true) });
  return { peer, incoming, out, events, done };
};

/** Two peers wired to each other in memory; each message goes through JSON, as on a wire. */
export const pair = (a: PeerOptions = {}, b: PeerOptions = {}): { client: Peer; server: Peer; clientEvents: PeerEvent[]; serverEvents: PeerEvent[]; wire: JsonRpcMessage[]; close: () => void } => {
  const toServer = new Subject<unknown>();
  const toClient = new Subject<unknown>();
  opened.push(toServer, toClient);
  const client = createPeer(toClient, a);
  const server = createPeer(toServer, b);
  const clientEvents: PeerEvent[] = [];
  const serverEvents: PeerEvent[] = [];
  const wire: JsonRpcMessage[] = [];
  client.events$.subscribe((e) => clientEvents.push(e));
  server.events$.subscribe((e) => serverEvents.push(e));
  server.outgoing$.subscribe((m) => {
    wire.push(m);
    toClient.next(JSON.parse(JSON.stringify(m)));
  });
  client.outgoing$.subscribe((m) => {
    wire.push(m);
    toServer.next(JSON.parse(JSON.stringify(m)));
  });
  return { client, server, clientEvents, serverEvents, wire, close: () => { toServer.complete(); toClient.complete(); } };
};

export const cancelsOnWire = (wire: readonly JsonRpcMessage[]): JsonRpcMessage[] =>
  wire.filter((m) => 'method' in m && m.method === 'notifications/cancelled');

export const responsesOnWire = (wire: readonly JsonRpcMessage[], id?: RequestId): JsonRpcMessage[] =>
  wire.filter((m) => !('method' in m) && (id === undefined || ('id' in m && m.id === id)));

export const ofType = <T extends PeerEvent['type']>(events: readonly PeerEvent[], type: T): Array<Extract<PeerEvent, { type: T }>> =>
  events.filter((e): e is Extract<PeerEvent, { type: T }> => e.type === type);

export const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

export type { Observable };

// Side-effect assertions that must run after the TestScheduler flushed (at the end of run()).
const flushChecks: Array<() => void> = [];
export const afterFlush = (check: () => void): void => void flushChecks.push(check);
afterEach(() => {
  for (const c of flushChecks.splice(0)) c();
});
