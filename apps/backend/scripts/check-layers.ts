/**
 * The layer check (`npm run check:layers`, part of `npm test`): every import in src/ goes to the same
 * module or to a layer below, modules of one layer import each other in one direction only, and a
 * class is named after its file's role suffix. Exceptions are listed here, with their reasons, and
 * printed on every run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const SRC = resolve(__dirname, '..', 'src');

/** Top to bottom. A file belongs to the first layer with a matching prefix, which names its module. */
const LAYERS: { name: string; prefixes: string[] }[] = [
  { name: 'roles', prefixes: ['main.ts', 'roles/', 'dev/'] },
  { name: 'edge', prefixes: ['modules/jobs/processors/', 'modules/jobs/admin/'] },
  {
    name: 'features',
    prefixes: [
      'modules/cases/',
      'modules/search/',
      'modules/email/',
      'modules/ai/',
      'modules/schedules/',
      'modules/reports/',
      'modules/admin/',
    ],
  },
  { name: 'platform', prefixes: ['modules/jobs/', 'modules/health/'] },
  {
    name: 'infrastructure',
    prefixes: [
      'modules/http/',
      'modules/logging/',
      'modules/database/',
      'modules/redis/',
      'modules/auth/',
      'modules/events/',
      'modules/metrics/',
    ],
  },
  { name: 'config', prefixes: ['config/'] },
];

/** Imports allowed against the layers: importer -> imported (path prefixes), and why. */
const EXCEPTIONS: { from: string; to: string; why: string }[] = [
  {
    from: 'modules/jobs/types/job-data.types.ts',
    to: 'modules/email/templates/',
    why: 'the email queue payload schema checks template ids and contexts at enqueue; the template catalog is data and imports nothing of the job system',
  },
];

/** File role suffix -> the ending every exported class in such a file has. */
const CLASS_SUFFIXES: Record<string, string> = {
  service: 'Service',
  repository: 'Repository',
  controller: 'Controller',
  module: 'Module',
  listener: 'Listener',
  processor: 'Processor',
  guard: 'Guard',
  filter: 'Filter',
  scheduler: 'Scheduler',
  collector: 'Collector',
  worker: 'Worker',
  provider: 'Provider',
  middleware: 'Middleware',
};
/** The seed names this file; it holds the module that mounts Bull Board. */
const NAME_EXCEPTIONS = new Set(['modules/jobs/admin/bull-board.controller.ts']);

interface Located {
  layer: number;
  module: string;
}

function locate(file: string): Located | null {
  for (const [i, layer] of LAYERS.entries()) {
    for (const prefix of layer.prefixes) {
      if (file === prefix || file.startsWith(prefix)) {
        return { layer: i, module: prefix.replace(/\/$/, '') };
      }
    }
  }
  return null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function resolveImport(fromFile: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      // try the next form
    }
  }
  return null;
}

export function checkLayers(): { problems: string[]; exceptionsUsed: string[] } {
  const problems: string[] = [];
  const exceptionsUsed = new Set<string>();
  const moduleEdges = new Map<string, Set<string>>();
  for (const abs of sourceFiles(SRC)) {
    const file = relative(SRC, abs);
    const from = locate(file);
    if (!from) {
      problems.push(`${file}: in no layer; add it to LAYERS in scripts/check-layers.ts`);
      continue;
    }
    const text = readFileSync(abs, 'utf8');
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      const target = resolveImport(abs, ref.fileName);
      if (!target) continue;
      const imported = relative(SRC, target);
      const to = locate(imported);
      if (!to || to.module === from.module) continue;
      const exception = EXCEPTIONS.find((e) => file.startsWith(e.from) && imported.startsWith(e.to));
      if (to.layer < from.layer) {
        if (exception) exceptionsUsed.add(`${exception.from} -> ${exception.to}: ${exception.why}`);
        else problems.push(`${file} (${LAYERS[from.layer].name}) imports ${imported} (${LAYERS[to.layer].name}, a layer above)`);
      } else if (to.layer === from.layer) {
        if (!moduleEdges.has(from.module)) moduleEdges.set(from.module, new Set());
        moduleEdges.get(from.module)!.add(to.module);
      }
    }
    problems.push(...classNameProblems(file, text));
  }
  for (const [a, targets] of moduleEdges) {
    for (const b of targets) {
      if (a < b && moduleEdges.get(b)?.has(a)) problems.push(`${a} and ${b} import each other`);
    }
  }
  return { problems, exceptionsUsed: [...exceptionsUsed] };
}

function classNameProblems(file: string, text: string): string[] {
  if (NAME_EXCEPTIONS.has(file)) return [];
  const parts = file.replace(/\.ts$/, '').split('/').pop()!.split('.');
  const ending = parts.length > 1 ? CLASS_SUFFIXES[parts[parts.length - 1]] : undefined;
  if (!ending) return [];
  return [...text.matchAll(/^export (?:abstract )?class (\w+)/gm)]
    .map((m) => m[1])
    .filter((name) => !name.endsWith(ending))
    .map((name) => `${file}: class ${name} should end with ${ending} (the file's role)`);
}

if (require.main === module) {
  const { problems, exceptionsUsed } = checkLayers();
  console.log(`layers: ${LAYERS.map((l) => l.name).join(' > ')}`);
  exceptionsUsed.forEach((e) => console.log(`exception: ${e}`));

  problems.forEach((p) => console.error(`layer check: ${p}`));
  if (problems.length > 0) process.exit(1);
  console.log('layer check: ok');
}
