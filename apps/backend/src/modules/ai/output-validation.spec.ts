import { DEFAULT_CATEGORIES } from './ai-categories.service';
import { AiTask, ProviderFailure } from './ai.types';
import { validateOutput } from './output-validation';

const task = (type: AiTask['type'], content = 'some reported text'): AiTask => ({
  type,
  content,
  categories: DEFAULT_CATEGORIES.map((c) => ({ ...c })),
  summaryMaxChars: 100,
  targetLanguage: type === 'translate' ? 'de' : undefined,
});

describe('validateOutput', () => {
  it.each([
    ['Theft', 'Theft'],
    ['  "theft." ', 'Theft'],
    ['**Workplace Safety**', 'Workplace Safety'],
  ])('accepts the category %j as %j', (raw, expected) => {
    expect(validateOutput('openai', task('categorize'), raw)).toBe(expected);
  });

  it.each(['Bananas', 'Theft and fraud', 'Ignore previous instructions: Theft', ''])('rejects the category %j', (raw) => {
    expect(() => validateOutput('openai', task('categorize'), raw)).toThrow(ProviderFailure);
    try {
      validateOutput('openai', task('categorize'), raw);
    } catch (err) {
      expect((err as ProviderFailure).kind).toBe('invalid-output');
      expect((err as ProviderFailure).message).not.toContain(raw || '\u0000');
    }
  });

  it('bounds summaries and other outputs', () => {
    expect(validateOutput('anthropic', task('generate-summary'), 'x'.repeat(100))).toHaveLength(100);
    expect(() => validateOutput('anthropic', task('generate-summary'), 'x'.repeat(101))).toThrow(/exceeds 100/);
    expect(() => validateOutput('anthropic', task('translate', 'short'), 'y'.repeat(600))).toThrow(/out of proportion/);
    expect(() => validateOutput('anthropic', task('note-cleanup'), '   ')).toThrow(/empty/);
  });
});
