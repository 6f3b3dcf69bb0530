import { z } from 'zod';
import { oneLine } from './email-template';

const required = (otherwise: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : otherwise);

/**
 * A short text shown inline (titles, names, statuses). Line breaks are folded into spaces: a case
 * title may hold one, but in a subject or a sentence it would only break the layout.
 */
export const line = (max = 300) =>
  z
    .string({ error: required('must be a string') })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .transform(oneLine);

export const httpUrl = z
  .url({ protocol: /^https?$/, error: required('must be an http(s) URL') })
  .max(2000, { error: 'must be at most 2000 characters' });

/** Cases number per organization (an integer in the database); a formatted reference is accepted too. */
export const caseNumber = z.union([z.number().int().positive(), line(50)], { error: required('must be a case number') });
