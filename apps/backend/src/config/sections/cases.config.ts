import { z } from 'zod';
import { PORT, PUBLIC_URL, publicUrl } from '../shared-variables';

export const casesSection = z
  .object({
    /** Link to a case in emails; `{id}` is replaced by the case id. Defaults to PUBLIC_URL/cases/{id}. */
    CASE_URL_TEMPLATE: z
      .string()
      .refine((v) => /^https?:\/\//.test(v) && v.includes('{id}'), { error: 'must be an http(s) URL containing {id}' })
      .optional(),
    PUBLIC_URL,
    PORT,
  })
  .transform((e) => ({ urlTemplate: e.CASE_URL_TEMPLATE ?? `${publicUrl(e)}/cases/{id}` }));
