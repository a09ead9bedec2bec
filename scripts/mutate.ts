/**
 * Hand-picked mutations of lib/, each run against the spec that mirrors its module: every test
 * must be able to fail. A mutation is one literal snippet of a module and its replacement (flip a
 * comparison, drop a delete, return early from a guard, skip a cleanup); it is *killed* when some
 * test of the module's spec fails with it, and *survives* when they all pass.
 *
 *   npx tsx scripts/mutate.ts                 # the whole table
 *   npx tsx scripts/mutate.ts peer/outbox     # only the mutations of lib/peer/outbox.ts
 *
 * Mutants run in a temporary copy of the working tree, so the real lib/ is never touched, even
 * when the run is interrupted. Exits non-zero when a mutation survives or when its snippet is not
 * found exactly once (a snippet that no longer matches would otherwise rot in silence).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

interface Mutation {
  /** The module, relative to lib/ and without `.ts`: its spec is spec/<module>.spec.ts. */
  readonly module: string;
  readonly from: string;
  readonly to: string;
  readonly what: string;
  /** Other spec files to run as well as (or, with `only`, instead of) the mirrored one. */
  readonly specs?: readonly string[];
}

// a mutation whose module's behaviour is pinned by several topic suites (ndjson-*.spec.ts) names them
const NDJSON_SUITES = ['spec/transport/ndjson.spec.ts', 'spec/transport/ndjson-backpressure.spec.ts', 'spec/transport/ndjson-dead-output.spec.ts'];
// the sending half's ways to end are split over files of their own; one suite pins them all
const SENDING = ['spec/peer/sending.spec.ts'];

const TABLE: readonly Mutation[] = [
  // manager/cancellation-manager
  { module: 'manager/cancellation-manager', from: 'if (slot.key.sessionId === key.sessionId) return false;', to: '', what: 'register: accept a duplicate key' },
  { module: 'manager/cancellation-manager', from: 'this.ids.delete(key.requestId);', to: '', what: 'complete: keep the entry of an ended request' },
  { module: 'manager/cancellation-manager', from: 'if (entry.reason !== undefined) return \'already-cancelled\';', to: '', what: 'cancel: a second cancel is not a no-op' },
  { module: 'manager/cancellation-manager', from: 'this.remember(key);', to: '', what: 'complete: forget that the key finished' },
  { module: 'manager/cancellation-manager', from: 'while (this.finishedCount > this.rememberTotal) {', to: 'while (false) {', what: 'remember: drop the total bound of finished ids' },
  { module: 'manager/redis-bus', from: '    if (sendable()) retryLater();', to: '', what: 'a cancel Redis refused while up waits for a reconnect that never comes', specs: ['spec/manager/bus-send.spec.ts'] },
  { module: 'codec/extend', from: "has(base, '__proto__') || has(extra, '__proto__') ? { ...base, ...extra } : ", to: '', what: 'extend: a __proto__ member sets the copy\'s prototype', specs: ['spec/codec/extend.spec.ts'] },
  { module: 'manager/cancellation-manager', from: 'this.finishedCount -= sizeOf(ids);', to: '', what: 'forgetSession: the ended session\'s ids still count against the total' },
  { module: 'manager/cancellation-manager', from: 'f instanceof Recent ? f.has(id) : f === id', to: 'f instanceof Recent ? f.has(id) : f == id', what: 'wasFinished: a session\'s lone id 1 also answers for \'1\'' },
  { module: 'manager/cancellation-manager', from: '        this.finished.set(sessionId, recent);\n        this.finishedCount++;', to: '        this.finished.set(sessionId, recent);', what: 'remember: a session\'s second id is not counted against the total' },
  // manager/churn-map
  { module: 'manager/churn-map', from: 'if (++this.added >= RENEW_AFTER && this.added >= 2 * this.map.size) this.renew();', to: '++this.added;', what: 'set: never renew (the GC chain stays)' },
  { module: 'manager/churn-map', from: 'this.map = new Map(this.map);', to: 'this.map = new Map();', what: 'renew: lose the entries' },
  // transport/http/node-exchange
  { module: 'transport/http/node-exchange', from: '  if (socket.server?.httpAllowHalfOpen === true) return undefined;', to: '', what: 'a half-closed socket of a half-open server counts as a client gone' },
  { module: 'transport/http/node-exchange', from: '  watch?.add(clientGone);', to: '', what: 'the end of the client\'s side of the socket is not watched' },
  { module: 'transport/http/node-exchange', from: '    watch?.drop(clientGone);', to: '', what: 'an ended exchange stays on its kept-alive socket' },
  // peer/deadlines
  { module: 'peer/deadlines', from: 'if (b.due.get(item) !== ats[i]) continue;', to: '', what: 'run: fire an item an earlier fire of the run disarmed' },
  { module: 'manager/cancellation-manager', from: 'return () => void this.more?.delete(o);', to: 'return () => undefined;', what: 'Entry.add: an unsubscribed observer stays in the set' },
  { module: 'manager/cancellation-manager', from: "if ((result === 'unknown' || result === 'elsewhere') && this.bus !== undefined && options?.forward !== false)", to: "if (result === 'unknown' && this.bus !== undefined && options?.forward !== false)", what: 'cancel: never publish a cancel in flight only elsewhere' },
  // manager/recent
  { module: 'manager/recent', from: 'if (this.count === this.capacity) this.shift();', to: '', what: 'set: never forget the oldest' },
  { module: 'manager/recent', from: '    if (this.index.size === before) return;\n', to: '', what: 'set: a key set again takes a second slot' },
  { module: 'manager/recent', from: 'if (this.capacity <= 0) return;', to: 'if (this.capacity < 0) return;', what: 'set: capacity 0 is not "hold nothing"' },
  { module: 'manager/recent', from: 'this.head = (this.head + 1) % this.capacity;', to: 'this.head = this.head + 1;', what: 'shift: the ring does not wrap around' },
  // manager/request-key
  { module: 'manager/request-key', from: "toString: (k: RequestKey): string => JSON.stringify([k.sessionId ?? null, k.requestId]),", to: "toString: (k: RequestKey): string => `${k.sessionId ?? ''}:${k.requestId}`,", what: 'toString: a separator that lets 1 and "1" collide' },
  // manager/redis-bus
  { module: 'manager/redis-bus', from: "emit({ type: 'bus-message-rejected'", to: "void ({ type: 'bus-message-rejected'", what: 'drop garbage on the channel without an event' },
  { module: 'manager/redis-bus', from: "const authentic = m !== undefined && (secret === undefined || (m.sig !== undefined && verifyBusMessage(secret, m.origin, m.key, m.reason, m.sig)));", to: "const authentic = m !== undefined;", what: 'apply a message without checking its signature' },
  { module: 'manager/redis-bus', from: "        return check(keys).then((applied) => emit(", to: "        void check; return Promise.resolve(0).then((applied) => emit(", what: 'reconcile nothing after a reconnect' },
  { module: 'manager/redis-bus', from: "      registered.push(key);", to: "      void key;", what: 'never check the records when a request registers' },
  { module: 'manager/redis-bus', from: "      appliedKeys.push(recordKey(key));", to: "      void key;", what: 'keep a record after it was applied' },
  // security/cancel-decision
  { module: 'security/cancel-decision', from: 'if (!facts.admitted) {', to: 'if (false) {', what: 'skip the rate check' },
  { module: 'security/cancel-decision', from: "if (!facts.mayCancel(facts.sender, key)) return ignore('not-allowed');", to: '', what: 'skip ownership and policy' },
  { module: 'security/cancel-decision', from: "if (!facts.cancellable(key)) return ignore('not-cancellable');", to: '', what: 'let initialize be cancelled' },
  { module: 'security/cancel-decision', from: 'reason === undefined ? { allowed: false, why, key } : { allowed: false, why, key, reason };', to: '({ allowed: false, why, key, reason: params.reason });', what: 'an ignored cancel carries the reason uncut' },
  { module: 'security/cancel-decision', from: "return key === undefined ? { allowed: false, why: 'rate-limited' } : { allowed: false, why: 'rate-limited', key };", to: "return { allowed: false, why: 'rate-limited' };", what: 'a rate-limited cancel names no key' },
  // security/rate-limit
  { module: 'security/rate-limit', from: 'return tokens >= 1 ?', to: 'return tokens >= 0 ?', what: 'take: spend a token that is not there' },
  { module: 'security/rate-limit', from: 'Math.min(burst, bucket.tokens', to: 'Math.max(burst, bucket.tokens', what: 'level: refill past burst' },
  { module: 'security/rate-limit', from: 'Math.max(0, now - bucket.at)', to: '(now - bucket.at)', what: 'level: a clock going backwards drains the bucket' },
  { module: 'security/rate-limit', from: 'if (previous === undefined && this.buckets.size >= this.maxSenders) {', to: 'if (false) {', what: 'tryTake: no overflow bucket, the table grows past maxSenders' },
  { module: 'security/rate-limit', from: 'if (level(bucket, now, this.perSecond, this.burst) >= this.burst) {', to: '{', what: 'forgetRefilled: forget a throttled sender too' },
  // security/reason
  { module: 'security/reason', from: 'if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;', to: '', what: 'split a surrogate pair' },
  { module: 'security/reason', from: 'reason.length <= max', to: 'reason.length < max', what: 'cut a reason of exactly max characters' },
  // security/cancellation-security
  { module: 'security/cancellation-security', from: 'if (key.sessionId !== undefined && key.sessionId !== sender) return false;', to: '', what: 'canCancel: a sender cancels requests of another session' },
  // handler/run-request
  { module: 'handler/run-request', from: '      this.out.next(o);\n      this.out.complete();', to: '      this.out.next(o);', what: 'end: the outcome stream never completes' },
  { module: 'handler/run-request', from: "this.finish({ type: 'cancelled', reason });", to: 'this.finish(toResult(this.last));', what: 'next: a cancel reads as a result' },
  { module: 'handler/run-request', from: 'if (!ended) this.init.manager.complete(this.init.key);', to: '', what: 'tearDown: an unsubscribed request stays registered' },
  { module: 'handler/run-request', from: 'this.ctx.cleanUp();', to: '', what: 'tearDown: skip the cleanups' },
  { module: 'handler/run-request', from: "if (this.ctx.end()) this.ctx.abort({ source: 'close' });", to: 'this.ctx.end();', what: 'tearDown: never abort the signal on close' },
  { module: 'handler/run-request', from: '      this.work = r as Later<unknown>;', to: '', what: 'start: a Later is not held as the work, so a cancel never stops it' },
  { module: 'handler/later', from: '  resolve(value: T): void {\n    if (this.state !== PENDING) return;', to: '  resolve(value: T): void {', what: 'resolve: settle twice', specs: ['spec/handler/later.spec.ts'] },
  { module: 'handler/later', from: '    if (this.state === STOPPED) return work.unsubscribe();', to: '    if (this.state === STOPPED) return;', what: 'onUnsubscribe: work added after the stop runs on', specs: ['spec/handler/later.spec.ts'] },
  { module: 'handler/handler-value', from: 'thrown instanceof JsonRpcError && !isLocalCode(thrown.code)', to: 'thrown instanceof JsonRpcError', what: 'send a local error code on the wire', specs: ['spec/handler/run-request.spec.ts'] },
  { module: 'handler/handler-value', from: "if (typeof v === 'object' && !Array.isArray(v)) return", to: "if (typeof v === 'object') return", what: 'accept an array as a result', specs: ['spec/handler/run-request.spec.ts'] },
  { module: 'handler/run-request', from: "if (typeof handler !== 'function') throw new NotAFunction(this.init.method, handler === null ? 'null' : typeof handler);", to: '', what: 'call a handler that is not a function (its TypeError on the wire)' },
  { module: 'handler/handler-value', from: 'isFunction(v, Symbol.iterator)', to: 'Symbol.iterator in v', what: 'hand from() an object whose Symbol.iterator is not a function', specs: ['spec/handler/run-request.spec.ts'] },
  // handler/until-cancelled
  { module: 'handler/until-cancelled', from: 'if (!subscriber.closed) source.subscribe(subscriber);', to: 'source.subscribe(subscriber);', what: 'start the source after a cancel that came first' },
  { module: 'handler/until-cancelled', from: '        subscriber.complete();\n      });', to: '      });', what: 'a cancel does not complete the stream' },
  { module: 'handler/until-cancelled', from: "if (typeof onCancel === 'function') onCancel(reason);\n        else onCancel.cancel(reason);", to: '', what: 'the reason is never handed down' },
  { module: 'handler/until-cancelled', from: 'return notifier;', to: 'return undefined;', what: 'leave the notifier subscribed after the end' },
  // handler/context
  { module: 'handler/context', from: 'if (this.abortedWith !== undefined) this.controller.abort(this.abortedWith);', to: '', what: 'a signal read after the cancel is not aborted' },
  { module: 'handler/context', from: "if (this.state === 'cleaned') return this.runCleanup(fn);", to: '', what: 'a cleanup added after the end never runs' },
  { module: 'handler/context', from: "if (token === undefined || this.state !== 'running') return;", to: 'if (token === undefined) return;', what: 'progress after the end' },
  { module: 'handler/context', from: 'if (!(this.lastProgress === undefined || progress > this.lastProgress)) return;', to: '', what: 'progress that does not rise' },
  { module: 'handler/context', from: "if (this.state !== 'running' || method.length === 0) return;", to: 'if (method.length === 0) return;', what: 'notify after the end' },
  { module: 'handler/context', from: "if (this.state === 'cleaned') return;\n    this.state = 'cleaned';\n    this.alone?.close();\n    const cleanups = this.cleanups;\n    this.cleanups = undefined;", to: "this.state = 'cleaned';\n    this.alone?.close();\n    const cleanups = this.cleanups;", what: 'cleanUp: run the cleanups twice' },
  { module: 'handler/context', from: "} catch (e) {\n      this.init.cleanupFailed(e);\n    }", to: '} catch (e) {\n      throw e;\n    }', what: 'a throwing cleanup escapes' },
  { module: 'handler/context', from: 'const reason = this.abortedWith;\n      if (reason === undefined)', to: 'const reason = this.abortedWith;\n      if (true)', what: 'cancelled$ after the end forgets the reason' },
  // handler/related
  { module: 'handler/related', from: "return 'id' in message && message.id !== null ? message.id : undefined;", to: 'return undefined;', what: 'a response belongs to no request' },
  // handler/request-handler
  { module: 'handler/request-handler', from: 'if (!this.manager.register(key)) {', to: 'if (!this.manager.register(key) && false) {', what: 'run a key already in flight' },
  // peer/serving
  { module: 'peer/serving', from: 'if (this.config.manager.has(key)) {', to: 'if (false) {', what: 'answer a duplicate id in flight' },
  { module: 'peer/serving', from: 'if (this.active.size >= this.config.maxInFlight) {', to: 'if (this.active.size > this.config.maxInFlight) {', what: 'maxInFlight off by one' },
  { module: 'peer/serving', from: 'if (this.active.get(a.key.requestId) === a) this.active.delete(a.key.requestId);', to: '', what: 'end: keep an ended request active' },
  { module: 'peer/serving', from: "case 'cancelled':", to: "case 'cancelled':\n        this.wiring.send({ jsonrpc: '2.0', id: key.requestId, result: {} });", what: 'answer a cancelled request' },
  { module: 'peer/serving', from: "result === 'elsewhere' ? 'not-allowed' : ", to: '', what: 'report a probe of another session as finished' },
  { module: 'peer/serving', from: "const handler = has(this.config.handlers, method) ? this.config.handlers[method] : undefined;", to: 'const handler = this.config.handlers[method];', what: 'take a handler from Object.prototype' },
  { module: 'peer/serving', from: 'e.invalidParams && e.method !== undefined && has(this.config.handlers, e.method)', to: 'e.invalidParams', what: '-32602 for an unknown method' },
  { module: 'peer/serving', from: 'if (!this.config.forwards) this.config.manager.forgetSession(this.config.sessionId);', to: '', what: 'a connection with a scope of its own keeps its finished ids after it closes', specs: ['spec/manager/cancellation-manager.spec.ts'] },
  { module: 'peer/serving', from: 'this.config.manager.cancel(a.key, reason, HERE_ONLY);\n      // unsubscribing', to: '// unsubscribing', what: 'close: cancel nothing (the requests are only unsubscribed)', specs: ['spec/peer/connection.spec.ts'] },
  // peer/sending and the files of its ways to end (their behaviour is pinned by spec/peer/sending.spec.ts)
  { module: 'peer/send-request', from: 'if (s.pending.size >= init.maxPending) {', to: 'if (s.pending.size > init.maxPending) {', what: 'maxPendingRequests off by one', specs: SENDING },
  { module: 'peer/sent-requests', from: "this.pending.delete(id);\n    this.release(p);\n    return p;", to: 'this.release(p);\n    return p;', what: 'take: a response leaves the request pending', specs: SENDING },
  { module: 'peer/sent-requests', from: "p.options.signal?.removeEventListener('abort', p);", to: '', what: 'release: leave the abort listener on the signal', specs: SENDING },
  { module: 'peer/send-request', from: 'if (s.isPending(p)) s.outbox.request(p, message);', to: 's.outbox.request(p, message);', what: 'write a request ended by a request-sent listener', specs: SENDING },
  { module: 'peer/cancel', from: "if (!era.cancellable(p.method) || !era.sendsCancels || s.outbox.state === 'closed') return;", to: "if (!era.sendsCancels || s.outbox.state === 'closed') return;", what: 'cancel initialize on the wire', specs: SENDING },
  { module: 'peer/cancel', from: "if (s.isPending(p)) cancel(s, p, 'caller', p.options.reason);", to: "cancel(s, p, 'caller', p.options.reason);", what: 'abandon: send a cancel after the response', specs: SENDING },
  { module: 'peer/timeout', from: "// a request-timeout listener may have ended it (aborted its signal): nothing more for it\n  if (!s.isPending(p)) return;", to: '', what: 'timeout: a second end after a request-timeout listener aborted', specs: SENDING },
  { module: 'peer/sending', from: 'if (p.options.resetTimeoutOnProgress === true) this.sent.rearmIdle(p);', to: '', what: 'progress never resets the idle timeout' },
  { module: 'peer/responses', from: "const p = s.take(id);\n  if (p === undefined) return false;\n  const { events } = s.init;\n  if (events.enabled())\n    events.emit({ type: 'response-rejected'", to: "const p = s.pending.get(id);\n  if (p === undefined) return false;\n  const { events } = s.init;\n  if (events.enabled())\n    events.emit({ type: 'response-rejected'", what: 'invalidResponse: leave the request pending', specs: SENDING },
  { module: 'peer/send-request', from: "if (s.outbox.state === 'open') send(s, { pending: p, params, message });\n    else wait(", to: "send(s, { pending: p, params, message });\n    if (s.outbox.state !== 'open') wait(", what: 'say request-sent of a request that waits for outgoing$', specs: [...SENDING, 'spec/peer/outbox.spec.ts'] },
  { module: 'peer/timeout', from: 'sent ? new RequestTimeoutError(p.id, ms) : RequestTimeoutError.unsent(p.id, ms)', to: 'new RequestTimeoutError(p.id, ms)', what: 'timeout: a request never written reads as a slow peer', specs: [...SENDING, 'spec/peer/outbox.spec.ts'] },
  // peer/outbox
  { module: 'peer/outbox', from: 'else if (this.live(e.pending)) this.flush(e);', to: 'else this.flush(e);', what: 'attach: send a request that ended in the backlog (and say request-sent of it)' },
  { module: 'peer/outbox', from: '    p.flags |= SENT;\n    this.out(m);', to: '    this.out(m);', what: 'request: a written request is not marked sent (no cancel follows)' },
  { module: 'peer/outbox', from: 'if (++this.dead < 64 || this.dead * 2 < this.backlog.length) return;', to: 'return;', what: 'unsent: never drop the dead from the backlog' },
  { module: 'peer/outbox', from: "else if (this.state === 'idle') this.backlog.push(m);\n  }\n\n  /** A request,", to: "else this.backlog.push(m);\n  }\n\n  /** A request,", what: 'write: hold notifications after the close' },
  { module: 'peer/outbox', from: '    p.flags |= SENT;\n    this.out(m);', to: '    this.out(m);\n    p.flags |= SENT;', what: 'request: SENT after the write (an abort inside write sends no cancel)' },
  // peer/deadlines
  { module: 'peer/deadlines', from: 'if (at > now) break;', to: 'if (at > now + 1) break;', what: 'fire an item before its deadline' },
  { module: 'peer/deadlines', from: '      b.due.delete(item);\n      b.due.set(item, at);', to: '      b.due.set(item, at);', what: 're-arm keeps the old place in the order' },
  { module: 'peer/deadlines', from: 'if (b.due.size === 0) this.drop(ms, b);', to: '', what: 'disarm: keep an empty bucket and its timer' },
  { module: 'peer/deadlines', from: 'if (b === undefined || !b.due.delete(item)) return;', to: 'if (b === undefined) return;', what: 'disarm: forget nothing' },
  { module: 'peer/deadlines', from: "const wait = first.done === true ? 0 : Math.max(0, first.value - this.now());", to: 'const wait = first.done === true ? 0 : Math.max(0, first.value - this.now()) + 1;', what: 're-schedule one frame after the next deadline' },
  // peer/batch
  { module: 'peer/batch', from: 'if (u.length > maxBatchSize) {', to: 'if (u.length > maxBatchSize + 1) {', what: 'maxBatchSize off by one' },
  { module: 'peer/batch', from: "if (!Array.isArray(u) || u.length === 0) return handle(u);", to: "if (!Array.isArray(u)) return handle(u);", what: 'an empty batch gets no answer' },
  { module: 'peer/batch', from: '  for (const m of u) handle(m);', to: '  for (const m of u.slice(1)) handle(m);', what: 'skip the first element of a batch' },
  // peer/clock
  { module: 'peer/clock', from: 'if (scheduler.now === dateTimestampProvider.now) return performanceTimestampProvider.now;', to: '', what: 'follow the wall clock' },
  // peer/connection
  { module: 'peer/connection', from: "const close = (error?: unknown): void => {\n    if (state === 'closed') return;", to: 'const close = (error?: unknown): void => {', what: 'close twice: a second connection-closed' },
  // peer/create-peer
  { module: 'peer/create-peer', from: 'enabled: () => events$.observed,', to: 'enabled: () => false,', what: 'never emit events' },
  { module: 'peer/create-peer', from: 'if (!isObservable(incoming$))', to: 'if (false)', what: 'accept an incoming$ that is not an Observable', specs: ['spec/peer/options.spec.ts'] },
  // peer/options
  { module: 'peer/options', from: '(Number.isInteger(value) && value >= 0)', to: '(value >= 0)', what: 'accept a fractional count' },
  { module: 'peer/options', from: "if (f !== undefined && typeof f !== 'function')", to: 'if (false)', what: 'accept a handler that is not a function' },
  // peer/pending
  { module: 'peer/pending', from: 'Math.max(DEFAULT_MAX_TOTAL_TIMEOUT_MS, p.idleMs)', to: 'p.idleMs * 2', what: 'no default cap with resetTimeoutOnProgress' },
  // peer/repeats
  { module: 'peer/repeats', from: 'if (last !== undefined && w.folded > 0) this.emit(last, w.folded);', to: '', what: 'never report the folded count' },
  // peer/request-meta
  { module: 'peer/request-meta', from: "return { ...p, _meta: { ...metaOf(p), progressToken: token } };", to: "return { ...p, _meta: { progressToken: token, ...metaOf(p) } };", what: "keep the caller's own progressToken" },
  // peer/request-options
  { module: 'peer/request-options', from: "typeof v === 'number' && v > 0", to: "typeof v === 'number' && v >= 0", what: 'accept a timeout of 0' },
  // peer/serve
  { module: 'peer/serve', from: "const enabled = sink === undefined ? () => false : typeof sink === 'function' ? () => true : () => sink.observed;", to: 'const enabled = () => false;', what: 'never emit events' },
  { module: 'peer/serve', from: ": () => sink.observed;", to: ': () => true;', what: 'build events for a Subject nobody subscribes to' },
  // peer/wire-fault
  { module: 'peer/wire-fault', from: "is: (u: unknown): u is WireFault => typeof u === 'object' && u !== null && (u as { [BRAND]?: unknown })[BRAND] === true,", to: "is: (u: unknown): u is WireFault => typeof u === 'object' && u !== null && 'kind' in u,", what: 'take a message with a kind field for a fault' },
  // peer/era
  { module: 'peer/era', from: "return method !== INITIALIZE || this.current === '2026-07-28';", to: 'return true;', what: 'cancel a 2025 initialize' },
  // codec/trace-context
  { module: 'codec/trace-context', from: 'if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;', to: '', what: 'accept an all-zero trace or span id' },
  { module: 'codec/trace-context', from: '|| u.length > MAX_TRACEPARENT_LENGTH) return undefined;', to: ') return undefined;', what: 'read a traceparent of any length' },
  { module: 'codec/trace-context', from: "if (version === 'ff' ||", to: 'if (', what: 'accept the forbidden version ff' },
  { module: 'codec/trace-context', from: '&& TRACESTATE_CHARS.test(state)', to: '', what: 'keep a tracestate with control characters' },
  // codec/target
  { module: 'codec/target', from: 'const kind = KIND.get(method);', to: "const kind = ({ 'tools/call': 'tool', 'prompts/get': 'prompt' } as Record<string, RequestTarget['kind']>)[method];", what: 'look the method up in an object: constructor names a target' },
  { module: 'codec/target', from: "typeof name === 'string' && name.length > 0 ? { kind, name: preview(name, PREVIEW_MAX) }", to: "typeof name === 'string' && name.length > 0 ? { kind, name }", what: 'copy a tool name unbounded' },
  // peer/request-meta (the requestMeta hook)
  { module: 'peer/request-meta', from: 'return { ...p, _meta: { ...members, ...metaOf(p) } };', to: 'return { ...p, _meta: { ...metaOf(p), ...members } };', what: "let the hook's members override the caller's _meta" },
  // observability/open-telemetry
  { module: 'observability/names', from: 'if (seen.size >= max) return OTHER;', to: '', what: 'no bound on distinct names in span names and metric attributes' },
  { module: 'observability/request-spans', from: 'record(Math.max(0, at - t.startAt) / 1000,', to: 'record(Math.max(0, at - t.startAt),', what: 'record operation durations in ms, not seconds', specs: ['spec/observability/open-telemetry.spec.ts'] },
  // transport/http/exchange, fetch-exchange (keep-alive, the unread-stream bound)
  { module: 'transport/http/exchange', from: "if (quiet) write(sseComment('keep-alive'));", to: '', what: 'never send a keep-alive comment' },
  { module: 'transport/http/fetch-exchange', from: 'if ((controller?.desiredSize ?? 0) < -limits.maxBufferedBytes) {', to: 'if ((controller?.desiredSize ?? 0) < -DEFAULT_STREAM_LIMITS.maxBufferedBytes) {', what: 'ignore maxBufferedBytes on the fetch face' },
  { module: 'transport/http/streamable-http', from: "maxInFlight: countOption('maxInFlightPerSession', perSession, maxInFlight)", to: "maxInFlight: countOption('maxInFlightPerSession', undefined, maxInFlight)", what: 'ignore maxInFlightPerSession', specs: ['spec/transport/http/budget.spec.ts'] },
  // codec/decode
  { module: 'codec/decode', from: "if (present(o, 'result') && present(o, 'error')) {", to: 'if (false) {', what: 'take a response with both result and error' },
  { module: 'codec/decode', from: "id: o !== undefined && shape !== 'notification' ? usableId(o['id']) : null,", to: 'id: null,', what: 'answer a bad request with id null, never its own id' },
  { module: 'codec/decode', from: "const present = (o: Rec, k: string): boolean => o[k] !== undefined;", to: 'const present = (o: Rec, k: string): boolean => k in o;', what: 'a key present as undefined counts as present' },
  { module: 'codec/decode', from: "const onlyParams = shape === 'request' && present(o, 'params')", to: "const onlyParams = false && present(o, 'params')", what: 'never tell invalid params (-32602) from an invalid request' },
  { module: 'codec/decode', from: "present(o, 'method')\n    ? present(o, 'id')", to: "present(o, 'method')\n    ? 'id' in o", what: 'a request with id: undefined' },
  // codec/messages
  { module: 'codec/messages', from: "typeof u === 'string' ? u.length <= MAX_ID_LENGTH : Number.isSafeInteger(u)", to: "typeof u === 'string' ? u.length <= MAX_ID_LENGTH : typeof u === 'number'", what: 'accept a non-integer id' },
  { module: 'codec/messages', from: 's.length > 0', to: 's.length >= 0', what: 'accept an empty method' },
  // codec/cancelled
  { module: 'codec/cancelled', from: "if (!('method' in m) || m.method !== CANCELLED || 'id' in m) return undefined;", to: "if (!('method' in m) || m.method !== CANCELLED) return undefined;", what: 'a request named notifications/cancelled is a cancel' },
  // codec/era
  { module: 'codec/era', from: "ERA_VERSIONS['2026-07-28'].includes(version) ? '2026-07-28'", to: "ERA_VERSIONS['2026-07-28'].includes(version) ? '2025-11-25'", what: 'the 2026 version read as 2025' },
  // codec/error-codes
  { module: 'codec/error-codes', from: 'export const isLocalCode = (code: number): boolean => LOCAL.has(code);', to: 'export const isLocalCode = (code: number): boolean => LOCAL.has(code) && false;', what: 'no code is local' },
  // codec/preview
  { module: 'codec/preview', from: 'export const preview = (s: string, max: number): string => (s.length > max ?', to: 'export const preview = (s: string, max: number): string => (s.length > max * 2 ?', what: 'a preview twice as long' },
  // codec/progress
  { module: 'codec/progress', from: 't.partial({ total: t.number, message: t.string })', to: 't.partial({ total: t.number, message: t.unknown })', what: 'accept a message that is not a string' },
  // codec/report
  { module: 'codec/report', from: 'if (lines.length === LINES_MAX) {', to: 'if (false) {', what: 'an unbounded number of lines' },
  // transport/line-reader
  { module: 'transport/line-reader', from: 'if (end - start > this.max) this.tooLong();', to: 'if (end - start > this.max + 1) this.tooLong();', what: 'inPlace: maxLineBytes off by one' },
  { module: 'transport/line-reader', from: 'if (size > this.max) {', to: 'if (size > this.max * 2) {', what: 'take: a split line may grow past the limit' },
  { module: 'transport/line-reader', from: "if (text.trim() === '') return undefined;", to: '', what: 'parseLine: a blank line is a parse error' },
  { module: 'transport/line-reader', from: "    if (this.discarding) {\n      this.discarding = false;\n      return;\n    }", to: '    if (this.discarding) {\n      return;\n    }', what: 'flush: never stop discarding after a long line' },
  { module: 'transport/line-reader', from: 'if (line.length === 0) continue;', to: '', what: 'whole: a blank line is a line' },
  { module: 'transport/line-reader', from: "this.size = 0;\n    // a small buffer", to: '// a small buffer', what: 'flush: the next line keeps the old one in front' },
  // transport/write-queue
  { module: 'transport/write-queue', from: 'return this.mustBytes + bytes <= this.max;', to: 'return this.mustBytes + bytes < this.max;', what: 'canHold: off by one' },
  { module: 'transport/write-queue', from: 'this.shedCount += old === undefined ? 0 : 1;', to: '', what: 'offer: a replaced progress is not counted as shed' },
  { module: 'transport/write-queue', from: 'if (this.latest.get(e.token) === e) this.latest.delete(e.token);', to: '', what: 'take: a written progress is still replaced' },
  { module: 'transport/write-queue', from: '    for (const e of waiting) e.settle?.(lost);', to: '', what: 'clear: what waited is never settled' },
  { module: 'transport/write-queue', from: '      this.latest.delete(e.token);\n      this.progressBytes -= e.bytes;\n      e.data = \'\';', to: '      this.progressBytes -= e.bytes;\n      e.data = \'\';', what: 'evict: a shed progress keeps its slot for newer progress' },
  // transport/line-writer
  { module: 'transport/line-writer', from: "if (!('method' in m) || m.method !== PROGRESS || 'id' in m) return undefined;", to: "if (!('method' in m) || m.method !== PROGRESS) return undefined;", what: 'a request named notifications/progress is shed like progress' },
  // transport/held-input
  { module: 'transport/held-input', from: 'if (method === PROGRESS) return true;', to: 'if (method === PROGRESS) return false;', what: 'hold progress behind the backlog' },
  // transport/connect, ndjson, sdk, header-value, sse-reader, http-client
  { module: 'transport/connect', from: 'if (abandoned === undefined) return waiting;', to: 'return waiting;', what: 'send the requests abandoned before the SDK transport started' },
  { module: 'transport/ndjson', from: 'if (held.bytes > maxHeldBytes) pauseInput();', to: '', what: 'never stop reading over maxHeldBytes', specs: NDJSON_SUITES },
  { module: 'transport/header-value', from: 'if (first === 32 || first === 9 || last === 32 || last === 9) return false;', to: '', what: 'send leading or trailing blanks plain' },
  { module: 'transport/sse-reader', from: 'if (c === 13 && all.charCodeAt(i + 1) === 10) i++;', to: '', what: 'read CRLF as two line ends' },
  // transport/http: the one budget of requests in flight across the transport
  { module: 'transport/http/budget', from: 'budget.count + n <= budget.max', to: 'budget.count + n < budget.max', what: 'fits: maxInFlight off by one' },
  { module: 'transport/http/session', from: 'if (this.answers.delete(id)) this.ctx.budget.count--;', to: 'this.answers.delete(id);', what: 'settle: an answered or cancelled request keeps its place', specs: ['spec/transport/http/budget.spec.ts'] },
  { module: 'transport/http/session', from: '    this.settle(id);\n    answer.unanswered(id);', to: '    this.answers.delete(id);\n    answer.unanswered(id);', what: 'unanswered: a request cancelled by notification keeps its place', specs: ['spec/transport/http/budget.spec.ts'] },
];

const specsOf = (root: string, m: Mutation): string[] => {
  const mirrored = `spec/${m.module}.spec.ts`;
  return [...new Set([...(existsSync(join(root, mirrored)) ? [mirrored] : []), ...(m.specs ?? [])])];
};

interface Row {
  readonly m: Mutation;
  readonly status: 'killed' | 'survived' | 'not found' | 'ambiguous' | 'no spec';
  readonly detail?: string;
}

const count = (s: string, part: string): number => s.split(part).length - 1;

const main = (): number => {
  const only = process.argv.slice(2).map((a) => a.replace(/^lib\//, '').replace(/\.ts$/, ''));
  const table = only.length === 0 ? TABLE : TABLE.filter((m) => only.includes(m.module));
  if (table.length === 0) {
    process.stderr.write(`no mutations for ${only.join(', ')}\n`);
    return 2;
  }
  // a copy of the tree: a mutant never touches the real lib/, whatever stops the run
  const work = mkdtempSync(join(tmpdir(), 'mutate-'));
  const cleanup = (): void => rmSync(work, { recursive: true, force: true });
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    for (const d of ['lib', 'spec', 'examples']) cpSync(join(ROOT, d), join(work, d), { recursive: true });
    for (const f of ['package.json', 'tsconfig.json']) cpSync(join(ROOT, f), join(work, f));
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
    const mocha = join(ROOT, 'node_modules', '.bin', 'mocha');
    const rows: Row[] = [];
    for (const m of table) {
      const file = join(work, 'lib', `${m.module}.ts`);
      const original = readFileSync(file, 'utf8');
      const specs = specsOf(work, m);
      const n = count(original, m.from);
      let row: Row;
      if (n === 0) row = { m, status: 'not found' };
      else if (n > 1) row = { m, status: 'ambiguous', detail: `${n} matches` };
      else if (specs.length === 0) row = { m, status: 'no spec' };
      else {
        writeFileSync(file, original.replace(m.from, () => m.to));
        try {
          const r = spawnSync(mocha, ['--no-config', '-n', 'import=tsx', '--extension', 'ts', '--timeout', '20000', '--reporter', 'dot', ...specs], {
            cwd: work,
            encoding: 'utf8',
            timeout: 120_000,
          });
          const failing = /(\d+) failing/.exec(r.stdout ?? '')?.[1];
          // a mutant that hangs or crashes the run is caught too
          row = r.status === 0 ? { m, status: 'survived' } : { m, status: 'killed', detail: failing === undefined ? (r.signal ?? `exit ${r.status}`) : `${failing} failing` };
        } finally {
          writeFileSync(file, original);
        }
      }
      rows.push(row);
      process.stdout.write(`${row.status.padEnd(9)} ${m.module.padEnd(30)} ${m.what}${row.detail === undefined ? '' : ` (${row.detail})`}\n`);
    }
    const bad = rows.filter((r) => r.status !== 'killed');
    process.stdout.write(`\n${rows.length - bad.length} of ${rows.length} mutations killed\n`);
    for (const r of bad) process.stdout.write(`  ${r.status}: lib/${r.m.module}.ts: ${r.m.what}\n`);
    return bad.length === 0 ? 0 : 1;
  } finally {
    cleanup();
  }
};

process.exitCode = main();
