import type { JsonRpcMessage } from '../codec/messages.js';
import { PROGRESS, type ProgressToken } from '../codec/progress.js';
import { WireFault } from '../peer/wire-fault.js';
import { toJson } from './to-json.js';

// The writing half of NDJSON framing: a message into one line, and what the write queue needs
// to know of it.

/**
 * A message as one line: {@link toJson} and a newline.
 */
export const serialize = (m: JsonRpcMessage): string | Error => {
  const json = toJson(m);
  return typeof json === 'string' ? `${json}\n` : json;
};

/** The token of a progress notification: what the write queue may shed. */
export const progressTokenOf = (m: JsonRpcMessage): ProgressToken | undefined => {
  if (!('method' in m) || m.method !== PROGRESS || 'id' in m) return undefined;
  const token = m.params?.['progressToken'];
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
};

export const shedFault = (n: number): WireFault =>
  WireFault.of('transport-error', `output backed up: shed ${n} progress notification${n === 1 ? '' : 's'} (the latest of each request was kept)`, { shed: n });

