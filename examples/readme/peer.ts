import { Subject, interval, last, map, take, takeUntil, timer } from 'rxjs';
import { createPeer } from '../../lib/index.js';

// two peers wired through Subjects; with a real transport, feed what it reads into incoming$
const toServer = new Subject<unknown>();
const toClient = new Subject<unknown>();
const server = createPeer(toServer, {
  handlers: {
    count: (_params, ctx) => {
      ctx.onCleanup(() => console.log('server: cleanup ran, once'));
      return interval(100).pipe(take(10), last(), map(() => ({ counted: 10 })));
    },
  },
});
const client = createPeer(toClient);
server.events$.subscribe((e) => e.type === 'request-cancelled' && console.log(`server: cancelled (${e.reason.source}), no response sent`));
server.outgoing$.subscribe((m) => toClient.next(m));
client.outgoing$.pipe(map((m) => JSON.stringify(m))).subscribe((m) => (console.log(`wire: ${m}`), toServer.next(JSON.parse(m))));

// a request is a cold Observable: subscribing sends it, and unsubscribing (here takeUntil)
// sends one notifications/cancelled, which stops the work on the other side
client.request('count').pipe(takeUntil(timer(250))).subscribe({ complete: () => console.log('client: gave up after 250 ms') });
