// vscode-jsonrpc (the JSON-RPC layer of VS Code's language client and server): two
// `MessageConnection`s, one serving a `tools/call` request type, one calling it.
//   in memory: a reader/writer pair that hands each message object to the other side's reader
//     synchronously, inside `write` (as both SDKs' InMemoryTransport and our Subjects do); the
//     connection itself then queues what it reads and dispatches one message per setImmediate,
//     which is its own design and part of what is measured
//   framed: `StreamMessageReader`/`StreamMessageWriter` over two PassThrough streams, framed with
//     LSP's `Content-Length` headers (not NDJSON, as ours and the SDKs' stdio are)
// Cancellation is vscode-jsonrpc's own: `CancellationTokenSource.cancel()` on the token given to
// `sendRequest` sends `$/cancelRequest { id }`, and the handler's `CancellationToken` fires. With
// LSP semantics a cancelled request is still answered: the hold handler rejects with a
// `ResponseError` (-32800, LSP's RequestCancelled) once its cleanup ran, and the client drops it.
import { PassThrough } from 'node:stream';
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  CancellationTokenSource,
  Disposable,
  RequestType,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  createMessageConnection,
  type DataCallback,
  type Message,
  type MessageConnection,
  type MessageReader,
  type MessageWriter,
  type ResponseMessage,
} from 'vscode-jsonrpc/node';
import { ECHO, HOLD, fail, type Pair, type RawServer, type Wire } from './calls.js';
import { Counter } from './child.js';

/** LSP's RequestCancelled (vscode-jsonrpc itself leaves the code to the protocol on top). */
const REQUEST_CANCELLED = -32800;

interface CallParams {
  readonly name: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}
interface CallResult {
  readonly content: ReadonlyArray<unknown>;
}
const CallTool = new RequestType<CallParams, CallResult, void>('tools/call');

/** Receives what the paired writer writes, the same object, at once. */
class MemoryReader extends AbstractMessageReader {
  private callback: DataCallback | undefined = undefined;
  private readonly early: Message[] = [];

  override listen(callback: DataCallback): Disposable {
    this.callback = callback;
    for (const m of this.early.splice(0)) callback(m);
    return Disposable.create(() => {
      this.callback = undefined;
    });
  }

  deliver(m: Message): void {
    if (this.callback === undefined) this.early.push(m);
    else this.callback(m);
  }
}

class MemoryWriter extends AbstractMessageWriter implements MessageWriter {
  constructor(private readonly to: (m: Message) => void) {
    super();
  }

  write(msg: Message): Promise<void> {
    this.to(msg);
    return Promise.resolve();
  }

  end(): void {
    this.fireClose();
  }
}

const serve = (connection: MessageConnection, started: Counter, cleanups: Counter): void => {
  connection.onRequest(CallTool, (params, token) => {
    if (params.name !== 'hold') return Promise.resolve({ content: [] });
    started.hit();
    return new Promise<CallResult>((_, reject) => {
      const cleanup = (): void => {
        cleanups.hit();
        reject(new ResponseError(REQUEST_CANCELLED, 'cancelled'));
      };
      if (token.isCancellationRequested) cleanup();
      else token.onCancellationRequested(cleanup);
    });
  });
  connection.listen();
};

const ends = (wire: Wire): { client: [MessageReader, MessageWriter]; server: [MessageReader, MessageWriter] } => {
  if (wire === 'memory') {
    const toServer = new MemoryReader();
    const toClient = new MemoryReader();
    return {
      client: [toClient, new MemoryWriter((m) => toServer.deliver(m))],
      server: [toServer, new MemoryWriter((m) => toClient.deliver(m))],
    };
  }
  const up = new PassThrough();
  const down = new PassThrough();
  return {
    client: [new StreamMessageReader(down), new StreamMessageWriter(up)],
    server: [new StreamMessageReader(up), new StreamMessageWriter(down)],
  };
};

export const vscodePair = async (wire: Wire): Promise<Pair> => {
  const started = new Counter();
  const cleanups = new Counter();
  const e = ends(wire);
  const server = createMessageConnection(...e.server);
  serve(server, started, cleanups);
  const client = createMessageConnection(...e.client);
  client.listen();
  let sent = 0;
  const answered = new Counter();
  return {
    started,
    cleanups,
    echo: (done) => {
      sent++;
      client.sendRequest(CallTool, ECHO).then(() => {
        answered.hit();
        done();
      }, fail);
    },
    hold: () => {
      const source = new CancellationTokenSource();
      sent++;
      client.sendRequest(CallTool, HOLD, source.token).then(answered.hit, answered.hit);
      return () => source.cancel();
    },
    settled: () => answered.within(sent, 120_000, 'answers at the client'),
    close: async () => {
      client.dispose();
      server.dispose();
    },
  };
};

const isCancelledAnswer = (m: Message): boolean => {
  const error = (m as Partial<ResponseMessage>).error;
  return error !== undefined && error.code === REQUEST_CANCELLED;
};

/**
 * The serving connection alone, fed raw messages. vscode-jsonrpc answers every cancelled request
 * (LSP semantics): those answers are written (their cost is paid) but not passed to `onResponse`,
 * so the absorb case counts trivial calls only, as with the MCP sides that answer nothing.
 */
export const vscodeRawServer = async (onResponse: (m: unknown) => void): Promise<RawServer> => {
  const started = new Counter();
  const cleanups = new Counter();
  const reader = new MemoryReader();
  const server = createMessageConnection(
    reader,
    new MemoryWriter((m) => {
      if (!isCancelledAnswer(m)) onResponse(m);
    }),
  );
  serve(server, started, cleanups);
  return {
    started,
    cleanups,
    send: (m) => reader.deliver(m as unknown as Message),
    cancelMessage: (id) => ({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } }),
    close: async () => server.dispose(),
  };
};
