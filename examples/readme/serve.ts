import { Subject, interval, map } from 'rxjs';
import { serve } from '../../lib/index.js';

// the JSON values your transport reads, in; the messages to write back, out
const incoming$ = new Subject<unknown>();
incoming$
  .pipe(serve({
    echo: (params) => Promise.resolve(params),
    tick: (_params, ctx) => (ctx.onCleanup(() => console.log('tick: cleanup ran, once')), interval(50).pipe(map((i) => i))),
  }))
  .subscribe((reply) => console.log(JSON.stringify(reply)));

incoming$.next({ jsonrpc: '2.0', id: 1, method: 'echo', params: { text: 'hi' } });
incoming$.next({ jsonrpc: '2.0', id: 2, method: 'tick' });
incoming$.next({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2 } }); // no response for 2
incoming$.next(42); // not a message: an error response, and serving goes on
incoming$.next({ jsonrpc: '2.0', id: 3, method: 'tick' });
// the stream's end is the connection's: whatever still runs (tick #3) is cancelled, no response
setTimeout(() => incoming$.complete(), 120);
