/**
 * The offline provider's algorithms: deterministic, dependency-free, CPU-bound. They run in a
 * worker thread (local.thread.ts), never on the process's main event loop.
 */

export interface CategoryTerms {
  name: string;
  keywords: string[];
}

const STOP_WORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him himself ' +
    'his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ' +
    'ourselves out over own same she should so some such than that the their theirs them themselves then there these they this ' +
    'those through to too under until up very was we were what when where which while who whom why will with would you your ' +
    'yours yourself yourselves said says told also get got one two'
  ).split(' '),
);

const SUFFIXES = ['ations', 'ation', 'ments', 'ment', 'ings', 'ing', 'ies', 'ied', 'ed', 'es', 's', 'ly'];

/** A light suffix stripper: enough for "harassed", "harassment" and "harassing" to meet. */
export function stem(word: string): string {
  for (const suffix of SUFFIXES) {
    // "harass", "status", "analysis" are not plurals.
    if (suffix === 's' && /(ss|us|is)$/.test(word)) continue;
    if (word.endsWith(suffix) && word.length - suffix.length >= 4) return word.slice(0, -suffix.length);
  }
  return word;
}

function words(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? []).map((w) => w.replace(/['’].*$/, ''));
}

const terms = (text: string) =>
  words(text)
    .filter((w) => w.length > 1 && !STOP_WORDS.has(w))
    .map(stem);

/** Paragraph breaks end a sentence too, so a heading without a full stop stays apart from the text. */
export function sentences(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .flatMap((paragraph) => paragraph.replace(/\s+/g, ' ').split(/(?<=[.!?])\s+(?=["'“(\p{Lu}\p{N}])/u))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > maxChars / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * Extractive summary: sentences are scored by the document frequency of their terms (normalized by
 * length, so long sentences do not win by size), the first sentence gets a small lead bonus, and the
 * best ones are returned in their original order within maxChars.
 */
export function summarize(text: string, maxChars: number): string {
  const all = sentences(text);
  if (all.length === 0) return '';
  const tf = new Map<string, number>();
  const perSentence = all.map((s) => terms(s));
  for (const ts of perSentence) for (const t of ts) tf.set(t, (tf.get(t) ?? 0) + 1);
  const scored = all.map((s, i) => {
    const ts = perSentence[i];
    const weight = ts.reduce((sum, t) => sum + (tf.get(t) ?? 0), 0) / Math.sqrt(Math.max(ts.length, 1));
    return { s, i, score: weight * (i === 0 ? 1.25 : 1) };
  });
  const wanted = Math.min(all.length, Math.max(1, Math.min(5, Math.ceil(all.length / 4))));
  const ranked = [...scored].sort((a, b) => b.score - a.score || a.i - b.i);
  const chosen: typeof scored = [];
  let length = 0;
  for (const c of ranked) {
    if (chosen.length >= wanted) break;
    const extra = c.s.length + (chosen.length > 0 ? 1 : 0);
    if (length + extra > maxChars) continue;
    chosen.push(c);
    length += extra;
  }
  if (chosen.length === 0) return truncate(ranked[0].s, maxChars);
  return chosen
    .sort((a, b) => a.i - b.i)
    .map((c) => c.s)
    .join(' ');
}

export interface Categorization {
  category: string | null;
  scores: Record<string, number>;
}

/**
 * Term-weight categorization: a category's terms are its name and keywords (phrases match as
 * consecutive words); each occurrence counts with the term's specificity, log(1 + categories /
 * categories sharing the term). The highest score wins, ties go to the earlier category; with no
 * match at all the category named "Other" is chosen if the organization has one.
 */
export function categorize(text: string, categories: CategoryTerms[]): Categorization {
  const doc = terms(text);
  const phrases = categories.map((c) => {
    const list = [c.name, ...c.keywords]
      .flatMap((p) => p.split(/[,&/]|\band\b/))
      .map((p) => terms(p))
      .filter((p) => p.length > 0);
    return [...new Map(list.map((p) => [p.join(' '), p])).values()];
  });
  const sharedBy = new Map<string, number>();
  for (const ps of phrases) for (const key of new Set(ps.map((p) => p.join(' ')))) sharedBy.set(key, (sharedBy.get(key) ?? 0) + 1);

  const scores: Record<string, number> = {};
  let best: { name: string; score: number } | null = null;
  categories.forEach((c, ci) => {
    let score = 0;
    for (const phrase of phrases[ci]) {
      const n = occurrences(doc, phrase);
      if (n > 0) score += n * phrase.length * Math.log(1 + categories.length / (sharedBy.get(phrase.join(' ')) ?? 1));
    }
    scores[c.name] = Math.round(score * 1000) / 1000;
    if (score > 0 && (!best || score > best.score)) best = { name: c.name, score };
  });
  const fallback = categories.find((c) => c.name.trim().toLowerCase() === 'other')?.name ?? null;
  return { category: (best as { name: string } | null)?.name ?? fallback, scores };
}

function occurrences(doc: string[], phrase: string[]): number {
  let n = 0;
  for (let i = 0; i + phrase.length <= doc.length; i++) {
    let match = true;
    for (let j = 0; j < phrase.length && match; j++) match = doc[i + j] === phrase[j];
    if (match) n++;
  }
  return n;
}

/** "She had had enough", "he said that that was": repeats that are grammar, not stutter. */
const LEGIT_REPEATS = new Set(['had', 'that']);

/** Hesitation sounds only: phrases such as "kind of" or "I mean" can carry meaning and stay. */
const FILLERS = /[,\s]*\b(?:u+m+|u+h+m*|e+r+m+|h+m+|basically)\b,?/gi;

/**
 * Note clean-up: whitespace normalized per paragraph, filler words and stuttered repeats removed,
 * spacing around punctuation fixed, shouting lowered, sentences capitalized, "i" as "I".
 */
export function cleanupNote(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((paragraph) => cleanParagraph(paragraph))
    .filter((p) => p.length > 0)
    .join('\n\n');
}

function cleanParagraph(paragraph: string): string {
  let p = paragraph.replace(/\s+/g, ' ').trim();
  if (p.length === 0) return p;
  const letters = p.replace(/[^\p{L}]/gu, '');
  if (letters.length >= 8 && letters === letters.toUpperCase()) p = p.toLowerCase();
  p = p.replace(FILLERS, ' ');
  p = p.replace(/\b([\p{L}]+)(\s+\1\b)+/giu, (m, word: string) => (LEGIT_REPEATS.has(word.toLowerCase()) ? m : word));
  p = p.replace(/\s+([,.;:!?])/g, '$1');
  p = p.replace(/([,;:])(?=[^\s\d])/g, '$1 ');
  p = p.replace(/([,.;:!?]){2,}/g, (m) => (/^\.{3}$/.test(m) ? m : m[m.length - 1]));
  p = p
    .replace(/\s{2,}/g, ' ')
    .replace(/^[\s,]+/, '')
    .trim();
  p = p.replace(/\bi\b/g, 'I');
  p = p.replace(/(^|[.!?]\s+)(\p{Ll})/gu, (_m, pre: string, ch: string) => pre + ch.toUpperCase());
  if (p.length > 0 && !/[.!?…:)"”]$/.test(p)) p += '.';
  return p;
}
