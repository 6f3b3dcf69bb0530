import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Every relative link in README.md and docs/*.md leads somewhere: the file (or folder) exists and a
 * `#fragment` names a heading of the target file (GitHub's heading ids) or an explicit anchor.
 * Links with a scheme (https:, mailto:) are not followed.
 */
describe('documentation links', () => {
  const root = join(__dirname, '..', '..', '..');
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(root, 'docs', f));
  const files = [join(root, 'README.md'), ...docs];

  it('reads the README and the docs', () => {
    expect(docs.map((f) => relative(root, f))).toEqual(expect.arrayContaining(['docs/configuration.md', 'docs/BENCHMARKS.md']));
    expect(linksOf(readFileSync(join(root, 'README.md'), 'utf8')).length).toBeGreaterThan(10);
  });

  it('makes GitHub heading ids', () => {
    expect(headingIds('## Metrics — `GET /metrics`\n## Events → jobs\n## One process (`APP_ROLE=all`)\n')).toEqual(
      new Set(['metrics--get-metrics', 'events--jobs', 'one-process-app_roleall']),
    );
    expect(headingIds('# Tests\n## Tests\n```\n# not a heading\n```\n## [Linked](x.md) *title*\n')).toEqual(
      new Set(['tests', 'tests-1', 'linked-title']),
    );
  });

  it('finds links and skips code', () => {
    const text = 'See [a](a.md), ![b](img/b.svg "B") and [c](<c d.md#x>).\n`[no](code.md)`\n```\n[no](fence.md)\n```\n[ref]: r.md\n';
    expect(linksOf(text)).toEqual(['a.md', 'img/b.svg', 'c d.md#x', 'r.md']);
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s has no broken relative link', (_name, file) => {
    const broken: string[] = [];
    for (const link of linksOf(readFileSync(file, 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('//')) continue;
      const hash = link.indexOf('#');
      const path = decodeURIComponent(hash < 0 ? link : link.slice(0, hash));
      const fragment = hash < 0 ? null : decodeURIComponent(link.slice(hash + 1));
      const target = path === '' ? file : path.startsWith('/') ? join(root, path) : resolve(dirname(file), path);
      if (!existsSync(target)) {
        broken.push(`${link}: no such file ${relative(root, target)}`);
        continue;
      }
      if (fragment === null || !target.endsWith('.md') || statSync(target).isDirectory()) continue;
      if (!headingIds(readFileSync(target, 'utf8')).has(fragment)) {
        broken.push(`${link}: no heading #${fragment} in ${relative(root, target)}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

/** The text with fenced code blocks blanked out, line for line. */
function withoutFences(markdown: string): string {
  let fence: string | null = null;
  return markdown
    .split('\n')
    .map((line) => {
      const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence) {
        if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = null;
        return '';
      }
      if (marker) fence = marker;
      return marker ? '' : line;
    })
    .join('\n');
}

/** Targets of inline links and images, and of reference definitions, outside code and HTML comments. */
function linksOf(markdown: string): string[] {
  const text = withoutFences(markdown)
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/(`+)[\s\S]*?\1/g, 'code');
  const unwrap = (target: string) => target.replace(/^<|>$/g, '');
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*")?\s*\)/g)].map((m) => unwrap(m[1]));
  const references = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*(\S+)/gm)].map((m) => unwrap(m[1]));
  return [...inline, ...references];
}

/**
 * The ids GitHub gives a file's headings, as github-slugger makes them (the heading's text in
 * lower case, punctuation dropped, spaces to hyphens, -1, -2 … for repeats), plus explicit anchors.
 */
function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of withoutFences(markdown).matchAll(/^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/gm)) {
    const text = m[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/[`*]/g, '')
      .trim();
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) ids.add(m[1]);
  return ids;
}
