// What `import { z } from 'zod'` gives an app here: zod 4.2 or later, the SDK v2's own dependency,
// whose schemas carry Standard JSON Schema (this repository's devDependency is zod 3.25, whose
// `zod/v4` does not). Both twins of every app import it, so their validation is the same.
export { z } from '../../node_modules/@modelcontextprotocol/server/node_modules/zod/index.js';
