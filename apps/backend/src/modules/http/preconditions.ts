import { HttpException, HttpStatus } from '@nestjs/common';
import { badRequest } from './validation';

/** The strong entity tag of a versioned resource: `"3"` for version 3. */
export const versionTag = (version: number): string => `"${version}"`;

/**
 * An If-Match header (RFC 9110 §13.1.1) as the versions it accepts: undefined when absent, '*' for
 * any current version, else the listed strong tags as numbers. Weak tags (W/"3") never match under
 * the strong comparison If-Match uses, so they are dropped; a header with no valid tag is a 400.
 */
export function ifMatchVersions(header: string | undefined): number[] | '*' | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return '*';
  const tags = value.split(',').map((t) => t.trim());
  const versions: number[] = [];
  for (const tag of tags) {
    const strong = /^"(\d{1,15})"$/.exec(tag);
    if (strong) versions.push(Number(strong[1]));
    else if (!/^W\/"[^"]*"$/.test(tag) && !/^"[^"]*"$/.test(tag)) {
      throw badRequest([{ field: 'If-Match', message: 'must be * or entity tags such as "3" (the ETag of a previous answer)' }]);
    }
  }
  return versions;
}

/** 412: the resource changed since the client read it. The current tag lets the client re-read and retry. */
export function preconditionFailed(currentVersion: number): HttpException {
  return new HttpException(
    {
      statusCode: 412,
      error: 'Precondition Failed',
      message: `If-Match does not match the current version ${versionTag(currentVersion)}: read the resource again and retry`,
      currentVersion,
    },
    HttpStatus.PRECONDITION_FAILED,
  );
}
