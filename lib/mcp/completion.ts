import { from, map, type Observable, type ObservableInput } from 'rxjs';
import type { McpContext } from './context.js';

/**
 * Suggests values for one argument (of a prompt, or a variable of a resource template): given
 * what the user typed so far and the other arguments already chosen, the values that fit.
 *
 * @example
 * const language: Completer = (value) => ['python', 'typescript', 'rust'].filter((l) => l.startsWith(value));
 */
export type Completer = (value: string, context: { readonly arguments: Readonly<Record<string, string>>; readonly ctx: McpContext }) => ObservableInput<readonly string[]> | readonly string[];

/**
 * MCP: a completion answers at most 100 values (`hasMore` says there were more).
 *
 * @example
 * MAX_COMPLETIONS; // 100
 * // a completer may give more: the first MAX_COMPLETIONS go out, with `total` and `hasMore: true`
 * const city: Completer = (value) => allCities.filter((c) => c.startsWith(value));
 */
export const MAX_COMPLETIONS = 100;

/** What `completion/complete` answers (MCP `CompleteResult.completion`). */
export interface Completion {
  readonly values: readonly string[];
  readonly total?: number;
  readonly hasMore?: boolean;
}

/**
 * Run a completer: its values, at most {@link MAX_COMPLETIONS} of them, and how many there were.
 *
 * @example
 * completeWith(language, 'py', { arguments: {}, ctx }).subscribe((c) => c.values); // ['python']
 */
export const completeWith = (completer: Completer | undefined, value: string, context: Parameters<Completer>[1]): Observable<Completion> => {
  const values = completer === undefined ? [] : completer(value, context);
  const all$ = Array.isArray(values) ? from([values as readonly string[]]) : from(values as ObservableInput<readonly string[]>);
  return all$.pipe(
    map((all) => {
      const strings = all.filter((v): v is string => typeof v === 'string');
      return strings.length > MAX_COMPLETIONS ? { values: strings.slice(0, MAX_COMPLETIONS), total: strings.length, hasMore: true } : { values: strings, total: strings.length, hasMore: false };
    }),
  );
};
