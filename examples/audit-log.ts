/**
 * The audit trail feeding a real logger (pino): a server faces a hostile client that floods
 * cancellations, cancels what is not its own, sends garbage and a reason of 50 KB, while an
 * honest session on the same CancellationManager keeps working. Every decision is one JSON log
 * line with key, sender and time, at a level pino prints by default; a flood is summarised, one
 * line per sender per second with its count. Run: `npx tsx examples/audit-log.ts`.
 */
import { pino } from 'pino';
import { Subject, bufferTime, filter, groupBy, map, mergeMap, partition, timer } from 'rxjs';
import { CancellationManager, CancellationSecurity, createPeer, type PeerEvent } from '../lib/index.js';

const log = pino({ base: { service: 'mcp-server' }, timestamp: pino.stdTimeFunctions.isoTime });

/** One log line per audit decision, at a level that says how much it matters. */
const audit = (e: PeerEvent): void => {
  switch (e.type) {
    case 'request-cancelled':
      return log.info({ event: e.type, key: e.key, sender: e.sender, reason: e.reason, truncated: e.reasonTruncated ?? false, at: e.at }, 'request cancelled');
    case 'cancel-ignored':
      // every decision at a level printed by default: an attack is warn, the harmless rest info
      return (e.why === 'not-allowed' || e.why === 'invalid' ? log.warn : log.info).call(
        log,
        { event: e.type, key: e.key, sender: e.sender, why: e.why, at: e.at },
        `cancel ignored: ${e.why}`,
      );
    case 'message-rejected':
      return log.warn({ event: e.type, sender: e.sender, code: e.code, repliedWith: e.repliedWith, error: e.error.message.slice(0, 200), at: e.at }, 'message rejected');
    case 'cleanup-failed':
    case 'request-failed':
      return log.error({ event: e.type, key: e.key, sender: e.sender, error: e.error.message, at: e.at }, e.type);
    default:
      return undefined;
  }
};

const manager = new CancellationManager();
// the policy hook narrows the default rule: requests named "locked-…" cannot be cancelled by anyone
const security = new CancellationSecurity({
  maxCancellationsPerSecond: 20,
  burst: 20,
  maxReasonLength: 64,
  canCancel: (_sender, key) => !String(key.requestId).startsWith('locked-'),
});
const job = () => timer(200).pipe(map(() => ({ content: [{ type: 'text', text: 'done' }] })));

const hostileIn = new Subject<unknown>();
const honestIn = new Subject<unknown>();
const hostile = createPeer(hostileIn, { sessionId: 'mallory', manager, security, handlers: { 'tools/call': job } });
const honest = createPeer(honestIn, { sessionId: 'alice', manager, security, handlers: { 'tools/call': job } });
// a flood is one line per sender per second, with its count, not one line per cancel
const events$ = new Subject<PeerEvent>();
const isRateLimited = (e: PeerEvent): boolean => e.type === 'cancel-ignored' && e.why === 'rate-limited';
const [flood$, decisions$] = partition(events$, isRateLimited);
decisions$.subscribe(audit);
flood$
  .pipe(
    groupBy((e) => ('sender' in e ? e.sender : 'unknown')),
    mergeMap((bySender$) => bySender$.pipe(bufferTime(1_000), filter((b) => b.length > 0), map((b) => ({ sender: bySender$.key, b })))),
  )
  .subscribe(({ sender, b }) => log.warn({ event: 'cancel-ignored', why: 'rate-limited', sender, count: b.length, from: b[0]?.at, to: b.at(-1)?.at }, `cancels rate-limited: ${b.length} from ${sender}`));
hostile.events$.subscribe(events$);
honest.events$.subscribe(events$);
const replies: unknown[] = [];
hostile.outgoing$.subscribe((m) => replies.push(m));
let answered = 0;
honest.outgoing$.pipe(filter((m) => 'result' in m)).subscribe(() => answered++);

for (let i = 1; i <= 5; i++) honestIn.next({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'x' } });
hostileIn.next({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } });
// mallory's id 1 is cancelled with a 50 KB reason: cut to 64 characters, and logged so
hostileIn.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 'A'.repeat(50_000) } });
// alice's ids are out of mallory's reach: her session owns them
for (let i = 2; i <= 5; i++) hostileIn.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: i } });
// a locked request: the policy says no
hostileIn.next({ jsonrpc: '2.0', id: 'locked-1', method: 'tools/call', params: { name: 'x' } });
hostileIn.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'locked-1' } });
// garbage: a bad request gets a JSON-RPC error, a bad notification only a log line
hostileIn.next({ jsonrpc: '2.0', id: 7, method: 42 });
hostileIn.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: null } });
// a flood: 200 cancellations, all but the burst rate-limited
for (let i = 0; i < 200; i++) hostileIn.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1000 + i } });

setTimeout(() => {
  // the last window of the flood summary is written as the audit stream ends
  events$.complete();
  log.info({ answered, expected: 5, repliesToMallory: replies.length, inFlight: { alice: honest.inFlight(), mallory: hostile.inFlight() }, manager: manager.size }, 'summary');
  process.exitCode = answered === 5 && manager.size === 0 ? 0 : 1;
  hostileIn.complete();
  honestIn.complete();
}, 400);
