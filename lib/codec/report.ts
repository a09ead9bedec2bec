import type * as t from 'io-ts';
import { preview, previewValue } from './preview.js';

// how much of a bad value one error line shows, and how many lines a report has at most: the
// text goes into a reply and an event, and must stay O(1) whatever the input
const VALUE_MAX = 64;
const LINES_MAX = 8;
const NAME_MAX = 80;

// members of these are reached by position, not by a key of the value: '0' and '1' of an
// intersection are not paths a reader would recognise
const COMBINATORS = new Set(['IntersectionType', 'UnionType', 'RefinementType', 'ReadonlyType', 'ExactType']);

const tagOf = (type: t.Decoder<unknown, unknown>): string | undefined => (type as { readonly _tag?: unknown })._tag as string | undefined;

const pathOf = (context: t.Context): string => {
  const keys: string[] = [];
  for (let i = 1; i < context.length; i++) {
    const parent = context[i - 1];
    const entry = context[i];
    if (parent === undefined || entry === undefined || entry.key === '') continue;
    const tag = tagOf(parent.type);
    if (tag !== undefined && COMBINATORS.has(tag)) continue;
    keys.push(preview(entry.key, 32));
  }
  return keys.length === 0 ? '(the message)' : keys.join('.');
};

/**
 * io-ts decode errors as readable lines, bounded: what `io-ts/PathReporter` says, without copying
 * the value (PathReporter stringifies it whole: a 1 MB value becomes a 2 MB reply, and 5,000
 * levels of nesting overflow the stack). At most 8 lines, each with a preview of at most 64
 * characters of the bad value.
 *
 * @example
 * report(JsonRpcRequest.decode({ jsonrpc: '2.0', id: 1.5, method: 'x' }).left);
 * // ['Invalid value 1.5 at id (expected RequestId)']
 */
export const report = (errors: t.Errors): ReadonlyArray<string> => {
  const lines: string[] = [];
  for (const e of errors) {
    if (lines.length === LINES_MAX) {
      lines.push(`(${errors.length - LINES_MAX} more)`);
      break;
    }
    const last = e.context[e.context.length - 1];
    const expected = last === undefined ? 'a valid value' : preview(last.type.name, NAME_MAX);
    lines.push(e.message !== undefined ? preview(e.message, NAME_MAX)
      : `Invalid value ${previewValue(e.value, VALUE_MAX)} at ${pathOf(e.context)} (expected ${expected})`);
  }
  return lines;
};
