import { Module } from '@nestjs/common';
import { PayloadKeyInvalidation } from './payload-key-invalidation';
import { PayloadSealer } from './payload-sealer';
import { TenantDataKeysRepository } from './tenant-data-keys.repository';

/** Envelope encryption of job payloads (docs/payload-encryption.md). */
@Module({ providers: [PayloadSealer, TenantDataKeysRepository, PayloadKeyInvalidation], exports: [PayloadSealer] })
export class SealingModule {}
