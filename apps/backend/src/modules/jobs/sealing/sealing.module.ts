import { Module } from '@nestjs/common';
import { PayloadSealer } from './payload-sealer';
import { TenantDataKeysRepository } from './tenant-data-keys.repository';

/** Envelope encryption of job payloads (docs/payload-encryption.md). */
@Module({ providers: [PayloadSealer, TenantDataKeysRepository], exports: [PayloadSealer] })
export class SealingModule {}
