// Figure 1's floor: JSON.stringify + JSON.parse of one tools/call request and its response,
// the least any framed transport must pay per round trip.
import { fullGc, intArg, args, main, now, report } from '../support/child.js';
import { ECHO } from '../support/pairs.js';

main(async () => {
  const count = intArg(args(), 'count', 300_000);
  let sink = 0;
  const once = (id: number): void => {
    // fresh objects each time, as a peer builds them
    const request = JSON.parse(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: ECHO })) as { id: number };
    const response = JSON.parse(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { content: [] } })) as { id: number };
    sink += response.id;
  };
  for (let i = 0; i < 50_000; i++) once(i);
  await fullGc();
  const t0 = now();
  for (let i = 0; i < count; i++) once(i);
  const ms = now() - t0;
  report({ perRequestNs: (ms * 1e6) / count }, { count, sink });
});
