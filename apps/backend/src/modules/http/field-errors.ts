import type { z } from 'zod';

/** One invalid field of a request body or job payload, as answered in a 400's `errors`. */
export interface FieldError {
  field: string;
  message: string;
}

export function fieldErrors(error: z.ZodError, prefix: string[] = []): FieldError[] {
  return error.issues.map((i) => ({
    field: [...prefix, ...i.path.map(String)].join('.') || '(body)',
    message: i.message,
  }));
}
