import { AiProviderName, AiTask, ProviderFailure } from './ai.types';

/**
 * Checks a provider's answer before it is stored: a category must be one of the organization's
 * (returned in its canonical spelling), texts must be non-empty and bounded. An invalid answer
 * is a failed call for that provider.
 */
export function validateOutput(provider: AiProviderName, task: AiTask, raw: string): string {
  const invalid = (why: string) => new ProviderFailure(provider, 'invalid-output', why);
  // PostgreSQL text cannot hold NUL; it carries no meaning in any of these outputs.
  // eslint-disable-next-line no-control-regex -- matching NUL is the point
  const text = raw.replace(/\u0000/g, '').trim();
  if (text.length === 0) throw invalid('empty output');
  switch (task.type) {
    case 'categorize': {
      const wanted = normalizeCategory(text);
      const match = task.categories.find((c) => normalizeCategory(c.name) === wanted);
      if (!match) throw invalid(`category is not one of the organization's ${task.categories.length} categories`);
      return match.name;
    }
    case 'generate-summary':
      if (text.length > task.summaryMaxChars) throw invalid(`summary of ${text.length} characters exceeds ${task.summaryMaxChars}`);
      return text;
    case 'translate':
    case 'note-cleanup': {
      const limit = task.content.length * 3 + 500;
      if (text.length > limit) throw invalid(`output of ${text.length} characters is out of proportion to the input`);
      return text;
    }
  }
}

/** Models sometimes add quotes, a trailing period or different case around an exact answer. */
function normalizeCategory(s: string): string {
  return s
    .trim()
    .replace(/^["'`“”‘’*\s]+|["'`“”‘’*.\s]+$/g, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}
