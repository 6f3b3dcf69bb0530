import { z } from 'zod';

/** Context fields shared by templates; single-line values end up in subjects and headers. */
export const line = (max = 300) =>
  z
    .string({ error: 'is required' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((v) => !/[\r\n]/.test(v), { error: 'must be a single line' });

export const httpUrl = z
  .url({ protocol: /^https?$/, error: (issue) => (issue.input === undefined ? 'is required' : 'must be an http(s) URL') })
  .max(2000, { error: 'must be at most 2000 characters' });

export const caseNumber = line(50);
