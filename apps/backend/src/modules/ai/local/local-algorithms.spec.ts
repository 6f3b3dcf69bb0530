import { DEFAULT_CATEGORIES } from '../ai-categories.service';
import { REPORT, REPORT_SUMMARY } from '../../../../test/fixtures/ai-texts';
import { categorize, cleanupNote, sentences, stem, summarize } from './local-algorithms';

describe('local provider algorithms', () => {
  it('splits sentences without breaking on initials inside them', () => {
    expect(sentences(REPORT)).toHaveLength(7);
    expect(sentences('Hello world.  Next one? Yes!')).toEqual(['Hello world.', 'Next one?', 'Yes!']);
  });

  it('stems the forms of a word to one term', () => {
    expect(new Set(['harassment', 'harassed', 'harassing', 'harass'].map(stem))).toEqual(new Set(['harass']));
  });

  it('summarizes a fixed report deterministically, keeping the central sentences in order', () => {
    expect(summarize(REPORT, 1200)).toBe(REPORT_SUMMARY);
    expect(summarize(REPORT, 1200)).toBe(summarize(REPORT, 1200));
  });

  it('keeps a summary within its bound', () => {
    const s = summarize(REPORT, 120);
    expect(s.length).toBeLessThanOrEqual(120);
    expect(REPORT).toContain(s.replace(/…$/, ''));
    expect(summarize('One single very long sentence without any end '.repeat(10), 60).length).toBeLessThanOrEqual(60);
  });

  it.each([
    [REPORT, 'Harassment & Discrimination'],
    ['Someone in accounting approved fake invoices from a vendor and took a kickback.', 'Fraud & Financial Misconduct'],
    ['A forklift driver was injured because the guard rail is missing; the area is unsafe.', 'Workplace Safety'],
    ['My laptop with customer records was leaked and passwords were shared in chat.', 'Data Privacy & Security'],
    ['The weather was nice today.', 'Other'],
  ])('categorizes %#', (text, expected) => {
    expect(
      categorize(
        text,
        DEFAULT_CATEGORIES.map((c) => ({ ...c })),
      ).category,
    ).toBe(expected);
  });

  it('chooses only among the given categories, and nothing without a match and no "Other"', () => {
    const own = [
      { name: 'Billing', keywords: ['invoice', 'refund'] },
      { name: 'Conduct', keywords: ['rude', 'harassment'] },
    ];
    expect(categorize('The refund on my invoice never came.', own).category).toBe('Billing');
    expect(categorize('The weather was nice today.', own).category).toBeNull();
  });

  it('cleans up a note: whitespace, fillers, stutters, shouting, casing', () => {
    expect(cleanupNote('  um, so the the witness   said that he saw ,uh, the incident  at 5pm\n\n\n i spoke to HR basically ')).toBe(
      'So the witness said that he saw the incident at 5pm.\n\nI spoke to HR.',
    );
    expect(cleanupNote('SPOKE WITH THE MANAGER TODAY. HE DENIED EVERYTHING')).toBe('Spoke with the manager today. He denied everything.');
    expect(cleanupNote('She had had enough')).toBe('She had had enough.');
  });
});

describe('sentences', () => {
  it('ends a sentence at a paragraph break, so a title stays apart from the text', () => {
    expect(sentences('Supplier gifts to a manager\n\nA manager accepted gifts. Colleagues noticed.\nIt went on.')).toEqual([
      'Supplier gifts to a manager',
      'A manager accepted gifts.',
      'Colleagues noticed.',
      'It went on.',
    ]);
  });
});
