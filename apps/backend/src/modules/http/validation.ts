import { BadRequestException } from '@nestjs/common';
import type { z } from 'zod';
import { fieldErrors, FieldError } from '../jobs/types';

export function badRequest(errors: FieldError[]): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'Invalid request', errors });
}

/** Parses request input with a zod schema, answering 400 with field-level messages. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown, prefix: string[] = []): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw badRequest(fieldErrors(parsed.error, prefix));
  return parsed.data;
}
