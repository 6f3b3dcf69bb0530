import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { fieldErrors, type FieldError } from './field-errors';

export function badRequest(errors: FieldError[]): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'Invalid request', errors });
}

/** Parses request input with a zod schema, answering 400 with field-level messages. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown, prefix: string[] = []): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw badRequest(fieldErrors(parsed.error, prefix));
  return parsed.data;
}

/**
 * An object schema that answers each unknown field with its own field-level error (a stray
 * `organizationId` is named, not silently dropped).
 */
export function knownFieldsOnly<S extends z.ZodRawShape>(shape: S, unknownMessage: string, notObjectMessage = 'must be a JSON object') {
  return z.looseObject(shape, { error: notObjectMessage }).superRefine((value, ctx) => {
    for (const key of Object.keys(value)) {
      if (!Object.prototype.hasOwnProperty.call(shape, key)) ctx.addIssue({ code: 'custom', path: [key], message: unknownMessage });
    }
  });
}
