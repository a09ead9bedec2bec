import type { PeerEvent } from '../peer/events.js';
import type { AdmissionRefusal } from './admission.js';

/**
 * What a gateway tells of itself (`gateway.events$`), besides what each front connection's peer
 * tells: its upstream starting and closing, each event of the upstream's peer (the upstream
 * `cancel-sent` of a forwarded request that its front client cancelled, say), a front request
 * refused before it was forwarded, an upstream message that could go to no front session.
 * `generation` counts the upstreams started (1, then 2 after a restart). `at` is ms since the epoch.
 *
 * @example
 * gateway.events$.pipe(filter((e) => e.type === 'upstream' && e.event.type === 'cancel-sent')).subscribe(audit);
 */
export type GatewayEvent =
  | { readonly type: 'upstream-started'; readonly generation: number; readonly at: number }
  | { readonly type: 'upstream-closed'; readonly generation: number; readonly at: number }
  | { readonly type: 'upstream'; readonly generation: number; readonly event: PeerEvent; readonly at: number }
  | { readonly type: 'request-refused'; readonly sender: string; readonly method: string; readonly refusal: AdmissionRefusal; readonly at: number }
  | {
      readonly type: 'relay-dropped';
      readonly method: string;
      /** `no-call`: nothing in flight it could be for; `ambiguous`: several calls, so none is told; `invalid`: it did not decode. */
      readonly why: 'no-call' | 'ambiguous' | 'invalid';
      /** Forwarded calls in flight when it came. */
      readonly calls: number;
      readonly at: number;
    };

/** The events without their `at`, as they are emitted. */
export type GatewayEventInit = GatewayEvent extends infer E ? (E extends { readonly at: number } ? Omit<E, 'at'> : never) : never;
