import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { ROOT } from '../transport/support.js';

// The API reference (`npm run docs`, TypeDoc) is built from the doc comments of what the package
// exports. Every exported name has one, and shows its use in an `@example`: a function, class or
// codec called, an interface or type written as a value or taken by a function, a constant where it
// is used or with its value. TypeDoc only warns of broken links, so this is where a bare export is caught.

const ENTRY_POINTS = (JSON.parse(readFileSync(`${ROOT}typedoc.json`, 'utf8')) as { entryPoints: string[] }).entryPoints;

// An example line that states its value, `JsonRpcRequest.is({ ... }); // true`: run, it must give it.
const STATED = /^(.+?);\s*\/\/\s*(true|false|undefined|-?\d+(?:\.\d+)?|'[^']*')(?:\b|$|:)/;

interface Stated {
  readonly name: string;
  readonly expression: string;
  readonly expected: unknown;
}

interface Gap {
  readonly name: string;
  readonly lacks: 'a doc comment' | 'an @example';
  /** Where the name is declared, relative to the repository. */
  readonly file: string;
}

const stated: Stated[] = [];
let computed: ReturnType<typeof gaps>;

const gaps = (): { readonly checked: number; readonly gaps: readonly Gap[] } => {
  const program = ts.createProgram(
    ENTRY_POINTS.map((e) => `${ROOT}${e}`),
    { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true },
  );
  const checker = program.getTypeChecker();
  const found: Gap[] = [];
  let checked = 0;
  for (const entry of ENTRY_POINTS) {
    const file = program.getSourceFile(`${ROOT}${entry}`);
    const module = file === undefined ? undefined : checker.getSymbolAtLocation(file);
    if (module === undefined) throw new Error(`no module for ${entry}`);
    for (const exported of checker.getExportsOfModule(module)) {
      const s = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      checked++;
      const file = (s.declarations?.[0]?.getSourceFile().fileName ?? entry).replace(ROOT, '');
      if (ts.displayPartsToString(s.getDocumentationComment(checker)).trim() === '') {
        found.push({ name: exported.name, lacks: 'a doc comment', file });
        continue;
      }
      // every name, interfaces, types and constants too: what it is for is shown, not only said
      const examples = s.getJsDocTags(checker).filter((t) => t.name === 'example');
      if (examples.length === 0) found.push({ name: exported.name, lacks: 'an @example', file });
      for (const line of examples.flatMap((t) => ts.displayPartsToString(t.text).split('\n'))) {
        const m = STATED.exec(line.trim());
        if (m?.[1] !== undefined && m[2] !== undefined) {
          const literal = m[2];
          const expected = literal === 'undefined' ? undefined : literal.startsWith("'") ? literal.slice(1, -1) : JSON.parse(literal);
          stated.push({ name: exported.name, expression: m[1], expected });
        }
      }
    }
  }
  return { checked, gaps: found };
};

describe('API reference', () => {
  before(function () {
    this.timeout(60_000);
    computed = gaps();
  });

  it('should document every exported name, each with an @example', () => {
    const { checked, gaps: missing } = computed;
    expect(checked, 'exports found').to.be.greaterThan(100);
    expect(missing.map((g) => `${g.name} lacks ${g.lacks} (${g.file})`)).to.deep.equal([]);
  });

  it('should give, for every example line that states its value and uses only exports, that value', async () => {
    const scope: Record<string, unknown> = {};
    for (const entry of ENTRY_POINTS) Object.assign(scope, (await import(`${ROOT}${entry}`)) as Record<string, unknown>);
    const names = Object.keys(scope);
    const run = stated.filter((x) => {
      // only what the exports alone can evaluate: an example that names the reader's own objects is skipped
      const identifiers = x.expression.replace(/'[^']*'/g, '').replace(/[\w$]+\s*:/g, '').match(/(?<![.\w])[A-Za-z_$][\w$]*/g) ?? [];
      return identifiers.every((id) => names.includes(id) || ['true', 'false', 'null', 'undefined', 'new', 'typeof'].includes(id));
    });
    expect(run.length, 'example lines run').to.be.greaterThan(10);
    const ran: string[] = [];
    for (const x of run) {
      const value: unknown = new Function(...names, `return (${x.expression});`)(...names.map((n) => scope[n]));
      expect(value, `${x.name}: ${x.expression}`).to.deep.equal(x.expected);
      ran.push(x.expression);
    }
    if (process.env['SHOW_EXAMPLES'] !== undefined) console.log(ran.join('\n'));
  });
});
