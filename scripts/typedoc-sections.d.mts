import type { Application } from 'typedoc';

/** The sections an entry file draws (a `// comment` line above each run of exports), in order. */
export declare const sectionsOf: (file: string) => { readonly section: string; readonly names: readonly string[] }[];
/** The plugin's hook: TypeDoc calls it once. */
export declare const load: (app: Application) => void;
