import { expect } from 'chai';
import { timer, map } from 'rxjs';
import type { Handler, PeerEvent } from '../../../lib/index.js';
import type { HttpEvent, StreamableHttp } from '../../../lib/http.js';
import { post, start, until, type Running } from './support.js';

type Rec = Record<string, unknown>;
interface Sse {
  readonly id?: string;
  readonly retry?: string;
  readonly data: string;
}
const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } };
const ofType = <T extends string>(events: ReadonlyArray<PeerEvent | HttpEvent>, type: T): Array<Extract<PeerEvent | HttpEvent, { type: T }>> =>
  events.filter((e): e is Extract<PeerEvent | HttpEvent, { type: T }> => e.type === type);

// the events of an SSE text, as a client reads them (WHATWG HTML §9.2, the fields we write)
const events = (text: string): Sse[] =>
  text
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.startsWith(':'))
    .map((block) => {
      const field = (name: string): string | undefined => block.split('\n').find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trimStart();
      return { id: field('id'), retry: field('retry'), data: field('data') ?? '' };
    });

const open = async (s: Running): Promise<Record<string, string>> => {
  const r = await post(s.url, initialize, json);
  const id = r.headers.get('mcp-session-id') ?? '';
  await r.text();
  const h = { ...json, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' };
  await (await post(s.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, h)).text();
  return h;
};
const call = (id: number, name: string, steps?: number): Rec => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { steps }, _meta: { progressToken: id } } });
const resume = (s: Running, h: Record<string, string>, lastEventId: string): Promise<Response> =>
  fetch(s.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': h['mcp-session-id'] ?? '', 'last-event-id': lastEventId } });
// reads a stream until `done` holds for what came, then lets it go
const readUntil = async (r: Response, done: (e: Sse[]) => boolean): Promise<Sse[]> => {
  const reader = r.body!.getReader();
  let text = '';
  for (;;) {
    const { value, done: ended } = await reader.read();
    if (value !== undefined) text += new TextDecoder().decode(value);
    if (ended || done(events(text))) break;
  }
  await reader.cancel();
  return events(text);
};
const completed = (s: Running, id: number): boolean => ofType(s.seen.events, 'request-completed').some((e) => e.key.requestId === id);
const isResult = (id: number) => (e: Sse): boolean => e.data.includes(`"id":${id}`) && e.data.includes('"result"');

describe('streamableHttp, resumable 2025-11-25 streams (SEP-1699)', () => {
  let s: Running;
  afterEach(async () => s.stop());

  // `poll` closes its own connection (closeStream) and answers 80 ms later
  const polling = (mcp: () => StreamableHttp): Record<string, Handler> => ({
    initialize: () => Promise.resolve({ protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 't', version: '1' } }),
    'tools/call': (_p, ctx) => {
      if (ctx.sessionId !== undefined) mcp().closeStream(ctx.sessionId, ctx.requestId);
      return timer(80).pipe(map(() => ({ content: [{ type: 'text', text: 'after the close' }] })));
    },
  });

  it('should prime each POST stream with an id and a retry, and deliver the result on the GET that resumes it after the server closed it', async () => {
    let mcp: StreamableHttp | undefined;
    s = await start({ handlers: polling(() => mcp!), retryMs: 1_500 });
    mcp = s.mcp;
    const h = await open(s);
    const r = await post(s.url, call(1, 'poll'), h);
    expect(r.headers.get('content-type')).to.equal('text/event-stream');
    const first = await readUntil(r, () => false);
    expect(first).to.have.length(1);
    expect(first[0]).to.deep.include({ retry: '1500', data: '' });
    expect(first[0]?.id).to.be.a('string');
    const resumed = await readUntil(await resume(s, h, first[0]!.id!), (e) => e.some(isResult(1)));
    expect(resumed.filter(isResult(1))).to.have.length(1);
    expect(resumed.every((e) => e.id !== undefined)).to.equal(true);
    expect(s.seen.cleanups).to.deep.equal([]);
  });

  it('should replay what a stream sent after Last-Event-ID, and only that stream, when the client dropped it', async () => {
    s = await start();
    const h = await open(s);
    const ac = new AbortController();
    const r = await fetch(s.url, { method: 'POST', headers: h, body: JSON.stringify(call(2, 'slow', 5)), signal: ac.signal });
    const seen = await readUntil(r, (e) => e.some((x) => x.data.includes('progress')));
    ac.abort();
    const lastId = seen.at(-1)!.id!;
    // another request on another stream meanwhile: none of it may come on this resume
    const other = await post(s.url, call(3, 'slow', 2), h);
    await other.text();
    await until(() => completed(s, 2) && completed(s, 3), 3_000, 'both calls done');
    const replayed = await readUntil(await resume(s, h, lastId), () => false);
    expect(replayed.filter(isResult(2))).to.have.length(1);
    expect(replayed.filter((e) => e.data.includes('"progressToken":2'))).to.have.length(5 - seen.filter((e) => e.data.includes('progress')).length);
    expect(replayed.some((e) => e.data.includes('"id":3') || e.data.includes('"progressToken":3'))).to.equal(false);
  });

  it('should keep no more than maxReplayEvents, and serve a resume from before the dropped ones as a plain GET', async () => {
    s = await start({ maxReplayEvents: 2 });
    const h = await open(s);
    const ac = new AbortController();
    const r = await fetch(s.url, { method: 'POST', headers: h, body: JSON.stringify(call(4, 'slow', 5)), signal: ac.signal });
    const [priming] = await readUntil(r, (e) => e.length > 0);
    ac.abort();
    await until(() => completed(s, 4), 3_000, 'the call done');
    const get = await resume(s, h, priming!.id!);
    expect(get.status).to.equal(200);
    const got = await readUntil(get, (e) => e.length > 0);
    expect(got.some(isResult(4))).to.equal(false);
    expect(ofType(s.seen.events, 'resume-refused').map((e) => e.why)).to.deep.equal(['expired']);
  });

  it('should refuse forged ids cheaply: too long, malformed, or another session\'s', async () => {
    let mcp: StreamableHttp | undefined;
    s = await start({ handlers: polling(() => mcp!) });
    mcp = s.mcp;
    const a = await open(s);
    const b = await open(s);
    const [priming] = await readUntil(await post(s.url, call(5, 'poll'), a), () => false);
    for (const forged of ['x'.repeat(8_000), '1.1.1', `${priming!.id!}0`, priming!.id!]) {
      const r = await resume(s, b, forged);
      // served as a plain GET of session b: 409 while its last one is still being let go
      expect([200, 409]).to.include(r.status);
      const got = r.status === 200 ? await readUntil(r, (e) => e.length > 0) : [];
      expect(got.some(isResult(5))).to.equal(false);
    }
    expect(ofType(s.seen.events, 'resume-refused').map((e) => e.why)).to.deep.equal(['unknown', 'unknown', 'unknown', 'unknown']);
    // the right session still gets its result
    const mine = await readUntil(await resume(s, a, priming!.id!), (e) => e.some(isResult(5)));
    expect(mine.filter(isResult(5))).to.have.length(1);
  });
});
