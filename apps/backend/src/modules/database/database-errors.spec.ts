import { isDatabaseUnavailable } from './database-errors';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    [withCode('ECONNREFUSED'), true],
    [withCode('57P01', 'terminating connection due to administrator command'), true],
    [withCode('08006'), true],
    [new Error('Connection terminated unexpectedly'), true],
    [new Error('timeout exceeded when trying to connect'), true],
    [new AggregateError([withCode('ECONNREFUSED')], ''), true],
    [withCode('23505', 'duplicate key value'), false],
    [withCode('22P02', 'invalid input syntax for type uuid'), false],
    [new Error('something else'), false],
    ['not an error', false],
  ])('%#', (err, expected) => {
    expect(isDatabaseUnavailable(err)).toBe(expected);
  });
});
