import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import ts from 'typescript';
import { sectionsOf } from '../scripts/typedoc-sections.mjs';
import { ROOT } from './transport/support.js';

// The package's front door: a small main entry (the core) and one subpath per world, as RxJS has
// (`rxjs`, `rxjs/operators`, `rxjs/ajax`…). The entry files are lib/*.ts; package.json maps each
// subpath to its ESM and its CommonJS build, and typedoc.json documents each as a module.

const MAX_MAIN_RUNTIME_NAMES = 30;

interface PackageJson {
  readonly exports: Record<string, string | { readonly import: Record<string, string>; readonly require: Record<string, string> }>;
}

const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as PackageJson;
const entryFiles = readdirSync(`${ROOT}lib`).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).filter((f) => f !== 'errors').sort();
const subpathOf = (entry: string): string => (entry === 'index' ? '.' : `./${entry}`);

/** The names an entry exports, values (what exists at run time) and types apart. */
const exportsOf = (entries: readonly string[]): Map<string, { readonly values: string[]; readonly types: string[] }> => {
  const files = entries.map((e) => `${ROOT}lib/${e}.ts`);
  const program = ts.createProgram(files, { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
  const checker = program.getTypeChecker();
  const out = new Map<string, { values: string[]; types: string[] }>();
  for (const e of entries) {
    const file = program.getSourceFile(`${ROOT}lib/${e}.ts`);
    const module = file === undefined ? undefined : checker.getSymbolAtLocation(file);
    if (module === undefined) throw new Error(`no module for lib/${e}.ts`);
    const values: string[] = [];
    const types: string[] = [];
    for (const x of checker.getExportsOfModule(module)) {
      const s = x.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(x) : x;
      (s.flags & ts.SymbolFlags.Value ? values : types).push(x.name);
    }
    out.set(e, { values, types });
  }
  return out;
};

describe('the package entries (lib/*.ts)', function () {
  this.timeout(60_000);
  let exported: ReturnType<typeof exportsOf>;
  before(() => {
    exported = exportsOf(entryFiles);
  });

  it('should give the main entry at most 30 runtime names', () => {
    const main = exported.get('index');
    expect(main, 'lib/index.ts').to.not.equal(undefined);
    expect(main?.values.length, `the main entry's runtime names: ${main?.values.join(', ') ?? ''}`).to.be.at.most(MAX_MAIN_RUNTIME_NAMES);
  });

  it('should map every entry file, and only those, to a subpath with an ESM and a CommonJS build, each with its types', () => {
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json').sort();
    expect(subpaths).to.deep.equal(entryFiles.map(subpathOf).sort());
    for (const entry of entryFiles) {
      const target = pkg.exports[subpathOf(entry)];
      expect(target).to.deep.equal({
        import: { types: `./dist/${entry}.d.ts`, default: `./dist/${entry}.js` },
        require: { types: `./dist/cjs/${entry}.d.ts`, default: `./dist/cjs/${entry}.js` },
      });
    }
  });

  it('should export each name from one entry only, the core\'s `connect` aside (stdio\'s one-liner too)', () => {
    const homes = new Map<string, string[]>();
    for (const [entry, { values, types }] of exported) for (const n of [...values, ...types]) homes.set(n, [...(homes.get(n) ?? []), entry]);
    const twice = [...homes].filter(([, entries]) => entries.length > 1).map(([n, entries]) => `${n}: ${entries.join(', ')}`);
    expect(twice).to.deep.equal(['connect: index, stdio']);
  });

  it('should document every entry as a module of the API reference', () => {
    const typedoc = JSON.parse(readFileSync(`${ROOT}typedoc.json`, 'utf8')) as { entryPoints: string[] };
    expect([...typedoc.entryPoints].sort()).to.deep.equal(entryFiles.map((e) => `lib/${e}.ts`).sort());
  });

  it('should place every export of an entry that draws sections in one of them (the API reference groups by them)', () => {
    const unplaced: string[] = [];
    for (const [entry, { values, types }] of exported) {
      const sections = sectionsOf(`${ROOT}lib/${entry}.ts`);
      if (sections.length === 0) continue;
      const placed = new Set(sections.flatMap((s) => s.names));
      for (const n of [...values, ...types]) if (!placed.has(n)) unplaced.push(`${entry}: ${n}`);
    }
    expect(unplaced).to.deep.equal([]);
  });
});
