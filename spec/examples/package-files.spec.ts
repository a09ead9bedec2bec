import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../transport/support.js';

// What `npm pack` ships is what a user has: the README and the docs it links to must work there
// (relative links reach shipped files) and on the npm page (links to the rest go to the
// repository, and name files that exist), and nothing else ships (no specs, no benchmarks).

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { repository: { url: string }; homepage: string; bugs: { url: string } };
const REPOSITORY = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');

interface Link {
  readonly from: string;
  readonly target: string;
}

/** The links of a Markdown file, code blocks left out (they hold code, not links). */
const linksOf = (file: string): Link[] =>
  [...readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '').matchAll(/\]\(([^)\s]+)\)/g)].map((m) => ({ from: file, target: m[1] ?? '' }));

/** GitHub's anchor of a heading: lower case, punctuation gone, spaces as hyphens. */
const anchorsOf = (file: string): Set<string> =>
  new Set(
    [...readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '').matchAll(/^#+ (.+)$/gm)].map((m) =>
      (m[1] ?? '').trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'),
    ),
  );

describe('the packed package (npm pack)', function () {
  this.timeout(60_000);
  let shipped: Set<string>;
  before(async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    const [packed] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    shipped = new Set(packed.files.map((f) => f.path));
  });

  it('should ship the builds, the sources, the docs and the examples they quote, a LICENSE, and nothing else', () => {
    // dist/ ships once built (npm pack builds it first; this dry run does not)
    const tops = new Set([...shipped].map((p) => (p.includes('/') ? `${p.split('/')[0] ?? ''}/` : p)));
    tops.delete('dist/');
    expect([...tops].sort()).to.deep.equal(['LICENSE', 'README.md', 'docs/', 'examples/', 'lib/', 'package.json']);
    expect([...shipped].filter((p) => p.startsWith('docs/api/') || p.includes('.spec.'))).to.deep.equal([]);
  });

  it('should give every relative link of the README and the shipped docs a shipped file, and its anchor a heading', () => {
    const broken: string[] = [];
    for (const md of [...shipped].filter((p) => p.endsWith('.md'))) {
      for (const { from, target } of linksOf(md)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [path = '', anchor] = target.split('#');
        const file = path === '' ? from : normalize(join(dirname(from), path));
        if (!shipped.has(file)) broken.push(`${from}: ${target} (not shipped)`);
        else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).has(anchor)) broken.push(`${from}: ${target} (no such heading)`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it('should point every link to the repository at a file or folder it has, and name the repository, its page and its issues', () => {
    expect(pkg.homepage.startsWith(REPOSITORY)).to.equal(true);
    expect(pkg.bugs.url).to.equal(`${REPOSITORY}/issues`);
    const broken = [...shipped]
      .filter((p) => p.endsWith('.md'))
      .flatMap(linksOf)
      .filter(({ target }) => target.startsWith(`${REPOSITORY}/`))
      .filter(({ target }) => {
        const m = /^\/(?:blob|tree)\/main\/([^#]+)/.exec(target.slice(REPOSITORY.length));
        return m?.[1] === undefined || !existsSync(join(ROOT, m[1]));
      })
      .map(({ from, target }) => `${from}: ${target}`);
    expect(broken).to.deep.equal([]);
  });

  it('should ship every file a shipped example imports, so that each runs from the installed package', () => {
    const missing: string[] = [];
    for (const ex of [...shipped].filter((p) => p.startsWith('examples/') && p.endsWith('.ts'))) {
      for (const m of readFileSync(join(ROOT, ex), 'utf8').matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) {
        const file = normalize(join(dirname(ex), `${m[1] ?? ''}.ts`));
        if (!shipped.has(file)) missing.push(`${ex} imports ${file}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });
});
