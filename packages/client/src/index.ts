import { operations } from './generated';
import { ClientOptions, transport } from './runtime';

export * from './generated';
export { ApiError, type ClientOptions } from './runtime';

/**
 * A typed client of the Ethico API, generated from its OpenAPI document (docs/openapi.json):
 * `createClient({ baseUrl, token }).createCase({ title: '…' })`.
 */
export function createClient(options: ClientOptions) {
  return operations(transport(options));
}

export type EthicoClient = ReturnType<typeof createClient>;
