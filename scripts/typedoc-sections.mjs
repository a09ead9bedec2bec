// A TypeDoc plugin: the API reference groups each subpath's exports by what they are for, in the
// sections its entry file (lib/*.ts) draws with a `// comment` line above each run of exports, and
// in that order. The entry file stays the one place that says where a name belongs.
import { readFileSync } from 'node:fs';
import { Comment, CommentTag, Converter, ReflectionKind } from 'typedoc';

/** `{ section, names }` in the order of the entry file. */
export const sectionsOf = (file) => {
  const sections = [];
  let current;
  for (const line of readFileSync(file, 'utf8').replace(/\/\*\*[\s\S]*?\*\//g, '').replace(/export\s*(type\s*)?\{[\s\S]*?\}\s*from/g, (m) => m.replace(/\n/g, ' ')).split('\n')) {
    const heading = /^\/\/ (.+)$/.exec(line);
    if (heading !== null) {
      current = { section: heading[1].charAt(0).toUpperCase() + heading[1].slice(1), names: [] };
      sections.push(current);
      continue;
    }
    const exported = /^export\s*(?:type\s*)?\{([^}]*)\}/.exec(line);
    if (exported !== null && current !== undefined) {
      for (const n of exported[1].split(',')) {
        const name = n.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()?.trim();
        if (name) current.names.push(name);
      }
    }
  }
  return sections;
};

/** @param {import('typedoc').Application} app */
export const load = (app) => {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const entry = module.name === 'mcp-rx-cancel' ? 'index' : module.name.replace(/^mcp-rx-cancel\//, '');
      let sections;
      try {
        sections = sectionsOf(`lib/${entry}.ts`);
      } catch {
        continue;
      }
      const sectionOf = new Map(sections.flatMap((s) => s.names.map((n) => [n, s.section])));
      for (const child of module.children ?? []) {
        const section = sectionOf.get(child.name);
        if (section === undefined) continue;
        child.comment ??= new Comment();
        child.comment.blockTags.push(new CommentTag('@group', [{ kind: 'text', text: section }]));
      }
      // the sections in the entry file's order
      app.options.setValue('groupOrder', [...new Set([...app.options.getValue('groupOrder'), ...sections.map((s) => s.section)])]);
    }
  });
};
