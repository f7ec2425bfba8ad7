import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CONTAINERS } from '../src/ports/documentStore';

/**
 * The shape of src/ as a specification: folders import each other without cycles, src/domain imports
 * nothing outside itself, and each container is read and written by exactly one owner.
 */
const SRC = path.join(__dirname, '..', 'src');

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The first folder under src/ a file lives in (`app`, `domain`…), or the file itself at the top. */
function folderOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0].replace(/\.ts$/, '');
}

/** Relative imports (static, dynamic, type-only, require) of a file, resolved to files under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g),
    ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...text.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => path.resolve(path.dirname(file), s))
    .filter((target) => target.startsWith(SRC + path.sep));
}

const files = sourceFiles();
const folderEdges = new Map<string, Set<string>>();
for (const file of files) {
  const from = folderOf(file);
  for (const target of importsOf(file)) {
    const to = folderOf(target);
    if (to === from) continue;
    if (!folderEdges.has(from)) folderEdges.set(from, new Set());
    folderEdges.get(from)!.add(to);
  }
}

function findCycle(): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of folderEdges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of folderEdges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('the architecture of src/', () => {
  it('has no import cycle between folders', () => {
    expect(findCycle()).toBeUndefined();
  });

  it('keeps src/domain free of I/O: it imports nothing outside itself, not even packages', () => {
    const offenders = files
      .filter((f) => folderOf(f) === 'domain')
      .flatMap((f) => {
        const text = readFileSync(f, 'utf8');
        const packages = [...text.matchAll(/from\s+['"]([^.'"][^'"]*)['"]/g)].map((m) => m[1]);
        const outside = importsOf(f).filter((t) => folderOf(t) !== 'domain');
        return [...packages, ...outside].map((i) => `${path.relative(SRC, f)} → ${i}`);
      });
    expect(offenders).toEqual([]);
  });

  it('lets ports depend on the domain only', () => {
    expect([...(folderEdges.get('ports') ?? [])].filter((f) => f !== 'domain')).toEqual([]);
  });

  it('keeps the store away from the edges: bot/ and http/ never touch a container', () => {
    const touching = files
      .filter((f) => ['bot', 'http'].includes(folderOf(f)))
      .filter((f) =>
        /\bDocumentStore\b|store\.(get|create|replace|upsert|delete|query|count)\(/.test(
          readFileSync(f, 'utf8'),
        ),
      );
    expect(touching.map((f) => path.relative(SRC, f))).toEqual([]);
  });

  it('has one owner per container: each container name is used by store calls in one module only', () => {
    const owners = new Map<string, Set<string>>();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (!/store\b|Store\b/.test(text)) continue;
      for (const container of CONTAINERS) {
        const used = new RegExp(
          `(store|Store)[^;]*?\\(\\s*'${container}'|(changeDocument|writeIfUnchanged)[^;]*?'${container}'`,
          's',
        ).test(text);
        if (!used) continue;
        // A module is a folder of src/app (addresses/, mail/…) or one file of src/app or src/storage.
        const relative = path.relative(SRC, file).split(path.sep);
        const module = relative.length > 2 ? relative.slice(0, 2).join('/') : relative.join('/');
        if (!owners.has(container)) owners.set(container, new Set());
        owners.get(container)!.add(module);
      }
    }
    const shared = [...owners]
      .filter(([, modules]) => modules.size > 1)
      .map(([c, m]) => `${c}: ${[...m].join(', ')}`);
    expect(shared).toEqual([]);
    // Every container has its owner (a container nobody uses would be dead).
    expect(CONTAINERS.filter((c) => !owners.has(c))).toEqual([]);
  });
});
