import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as t from 'io-ts';
import { EMPTY, NEVER, Subject, expand, finalize, firstValueFrom, last, lastValueFrom, of, take, type Observable } from 'rxjs';
import { connect, type Peer } from '../../lib/index.js';
import { streamableHttp, streamableHttpClient } from '../../lib/http.js';
import { inputRequired, mcpServer, tool, type InputRequest } from '../../lib/mcp.js';

// A 2026-07-28 tool that needs the user's input twice (SEP-2322, "input required"), served over
// HTTP, and a client that answers its rounds with expand(). Then what the server refuses: a
// tampered state, and a kind of input the request does not declare; and a cancel between rounds.
// Run: npx tsx examples/guides/mcp-input-rounds.ts

const print = (line: string): void => void process.stdout.write(`${line}\n`);

// ---- the server ---------------------------------------------------------------------------
const Named = t.type({ name: t.string });
const Confirmed = t.type({ ok: t.literal(true) });
// what the tool keeps between its rounds: it comes back sealed, so it can be trusted
const AskedConfirm = t.type({ step: t.literal('confirm'), name: t.string });

const askName = inputRequired.elicit({ message: 'Who is the booking for?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } });
const askConfirm = (name: string): InputRequest =>
  inputRequired.elicit({ message: `Book a table for ${name}?`, requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } });

let cleanups = 0;
// says when a booking starts, so that the guide can cancel one at that moment
const bookingStarted$ = new Subject<string>();
const book = tool({
  name: 'book_table',
  description: 'Books a table, asking who for and a confirmation',
  run: (_args, ctx) => {
    const state = ctx.requestState;
    if (AskedConfirm.is(state)) {
      if (ctx.inputResponses.accepted('confirm', Confirmed) === undefined) return of(inputRequired({ inputRequests: { confirm: askConfirm(state.name) }, requestState: state }));
      // the booking itself takes a while (forever, for 'Slow'): a cancel now unsubscribes it
      bookingStarted$.next(state.name);
      return (state.name === 'Slow' ? NEVER : of(`Booked a table for ${state.name}`)).pipe(finalize(() => cleanups++));
    }
    const name = ctx.inputResponses.accepted('who', Named)?.name;
    if (name === undefined) return of(inputRequired({ inputRequests: { who: askName } }));
    return of(inputRequired({ inputRequests: { confirm: askConfirm(name) }, requestState: { step: 'confirm', name } }));
  },
});

const server = mcpServer({
  info: { name: 'bookings', version: '1.0.0' },
  tools: [book],
  // the key that seals requestState: every instance behind one endpoint shares it
  requestState: { secret: randomBytes(32), ttlMs: 5 * 60_000 },
});
const mcp = streamableHttp(server);
const http = createServer((req, res) => void mcp.handle(req, res));
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;

// ---- the client ---------------------------------------------------------------------------
interface ToolAnswer {
  readonly resultType: 'complete' | 'input_required';
  readonly inputRequests?: Record<string, InputRequest>;
  readonly requestState?: string;
  readonly content?: ReadonlyArray<{ readonly text?: string }>;
}

/** What "the user" answers: a name, then yes. */
const answer = (who: string) => (request: InputRequest): unknown =>
  request.method === 'elicitation/create' && request.params.message.startsWith('Who') ? { action: 'accept', content: { name: who } } : { action: 'accept', content: { ok: true } };

/** Call a tool, and retry it with the answers for as long as it needs input: each round a new request. */
const callWithRounds = (peer: Peer, name: string, respond: (r: InputRequest) => unknown): Observable<ToolAnswer> => {
  const call = (extra: object): Observable<ToolAnswer> => peer.request<ToolAnswer>('tools/call', { name, arguments: {}, ...extra });
  return call({}).pipe(
    expand((r) => {
      if (r.resultType !== 'input_required') return EMPTY;
      print(`client  round: asked for ${Object.keys(r.inputRequests ?? {}).join(', ')}${r.requestState === undefined ? '' : ', with a state'}`);
      const inputResponses = Object.fromEntries(Object.entries(r.inputRequests ?? {}).map(([key, request]) => [key, respond(request)]));
      // the state goes back verbatim: the client cannot read or change what it means
      return call({ inputResponses, ...(r.requestState === undefined ? {} : { requestState: r.requestState }) });
    }),
    last(),
  );
};

const client = connect(streamableHttpClient({ url }), { era: '2026-07-28', clientCapabilities: { elicitation: {} }, clientInfo: { name: 'guide', version: '1.0.0' } });
const done = await lastValueFrom(callWithRounds(client.peer, 'book_table', answer('Alice')));
print(`client  result: ${done.content?.[0]?.text ?? ''}`);

// a state changed on its way back is refused before the tool runs
const first = await firstValueFrom(client.peer.request<ToolAnswer>('tools/call', { name: 'book_table', arguments: {}, inputResponses: { who: { action: 'accept', content: { name: 'Eve' } } } }));
const tampered = first.requestState?.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
await firstValueFrom(client.peer.request('tools/call', { name: 'book_table', arguments: {}, inputResponses: { confirm: { action: 'accept', content: { ok: true } } }, requestState: tampered })).catch((e: { code: number; message: string; data?: unknown }) =>
  print(`client  tampered state: ${e.code} ${e.message} ${JSON.stringify(e.data)}`),
);

// a client that declares no elicitation is never asked for one: the call fails instead (-32021, HTTP 400)
const bare = connect(streamableHttpClient({ url }), { era: '2026-07-28', clientCapabilities: {} });
await firstValueFrom(bare.peer.request('tools/call', { name: 'book_table', arguments: {} })).catch((e: { code: number; data?: unknown }) =>
  print(`client  without elicitation: ${e.code} ${JSON.stringify(e.data)}`),
);
bare.subscription.unsubscribe();

// a cancel between rounds: the last round is a request like any other, and unsubscribing closes its
// stream; the server kept nothing from the earlier rounds, so nothing else is left to clean up
const started = firstValueFrom(bookingStarted$.pipe(take(1)));
const slow = callWithRounds(client.peer, 'book_table', answer('Slow')).subscribe();
await started;
print(`server  booking started; in flight: ${mcp.inFlight()}`);
const before = cleanups;
slow.unsubscribe();
while (cleanups === before) await new Promise((r) => setTimeout(r, 5));
print(`server  after the cancel: ${cleanups - before} cleanup ran; in flight: ${mcp.inFlight()}`);

client.subscription.unsubscribe();
await mcp.close();
http.close();
