#!/usr/bin/env node
// Fails on an import cycle between files or an import from a lower layer folder to a higher one.
// Usage: node scripts/check-imports.mjs [srcDir]   (default: src next to this script's folder)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Lowest first; a file may import only from its own layer or a lower one. `errors` is src/errors.ts. */
const LAYERS = [
  'errors', 'core', 'salt', 'config', 'transport', 'roster', 'targeting', 'output', 'jobcache',
  'returners', 'delivery', 'modules', 'job', 'runners', 'display', 'run', 'cli', 'commands', 'bundle',
];

function listTsFiles(dir) {
  const files = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...listTsFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/** Comments out, string contents kept: a specifier is a string, and `import(` in a comment is not an import. */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\/|(["'`])(?:\\[\s\S]|(?!\1)[^\\])*\1|\/\/[^\n]*/g, (m, quote) => (quote ? m : ''));
}

const IMPORT_PATTERNS = [
  /\b(?:import|export)\s+(?:type\s+)?[\w*${}\s,]*?\s*from\s*(['"])([^'"\n]+)\1/g,
  /\bimport\s*(['"])([^'"\n]+)\1/g,
  /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
];

/** Relative specifiers of one file (`./x.js`, `../y/z.js`); packages and node: builtins are not layers. */
export function importsOf(text) {
  const code = stripComments(text);
  const specs = new Set();
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      if (match[2].startsWith('.')) specs.add(match[2]);
    }
  }
  return [...specs];
}

/** `./x.js` from a .ts file means `./x.ts` (NodeNext); a folder means its index.ts. */
function resolveSpecifier(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec);
  const candidates = [base.replace(/\.(m?)js$/, '.$1ts'), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((path) => path.endsWith('.ts') && existsSync(path) && statSync(path).isFile());
}

function layerOf(srcDir, file) {
  const rel = relative(srcDir, file).split(sep);
  return rel.length === 1 ? rel[0].replace(/\.ts$/, '') : rel[0];
}

/** Tarjan's strongly connected components: every component of two or more files (or a self-import) is a cycle. */
function findCycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  let next = 0;
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node), low.get(to)));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node), index.get(to)));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}

/** One path around a cycle, starting and ending at its first file. */
function cyclePath(graph, component) {
  const members = new Set(component);
  const start = component[0];
  const path = [start];
  const seen = new Set([start]);
  for (;;) {
    const here = path[path.length - 1];
    const targets = (graph.get(here) ?? []).filter((to) => members.has(to));
    if (targets.includes(start)) return [...path, start];
    const to = targets.find((t) => !seen.has(t)) ?? targets[0];
    if (to === undefined || seen.has(to)) return [...path, to ?? start];
    seen.add(to);
    path.push(to);
  }
}

/** Every problem as one line; empty when the graph is clean. */
export function checkImports(srcDir) {
  const root = resolve(srcDir);
  const show = (file) => relative(process.cwd(), file) || file;
  const problems = [];
  const graph = new Map();
  for (const file of listTsFiles(root)) {
    const layer = layerOf(root, file);
    if (!LAYERS.includes(layer)) {
      problems.push(`${show(file)}: '${layer}' is not a known layer; add it to LAYERS in scripts/check-imports.mjs`);
    }
    const targets = [];
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolveSpecifier(file, spec);
      if (target === undefined) {
        problems.push(`${show(file)}: import '${spec}' does not resolve to a .ts file`);
        continue;
      }
      if (!target.startsWith(root + sep)) continue;
      targets.push(target);
      const to = layerOf(root, target);
      if (LAYERS.indexOf(to) > LAYERS.indexOf(layer) && LAYERS.includes(layer)) {
        problems.push(`${show(file)} imports ${show(target)}: upward import (${layer} is below ${to})`);
      }
    }
    graph.set(file, targets);
  }
  for (const component of findCycles(graph)) {
    problems.push(`import cycle: ${cyclePath(graph, component).map(show).join(' → ')}`);
  }
  return problems;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srcDir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const problems = checkImports(srcDir);
  for (const line of problems) process.stderr.write(`${line}\n`);
  if (problems.length > 0) {
    process.stderr.write(`check-imports: ${problems.length} problem(s); layers, lowest first: ${LAYERS.join(' < ')}\n`);
    process.exitCode = 1;
  }
}
