import { Global, Module } from '@nestjs/common';
import { RedisConnectionFactory } from './redis-connection.factory';
import { RedisPolicyCheck } from './redis-policy.check';

@Global()
@Module({ providers: [RedisConnectionFactory, RedisPolicyCheck], exports: [RedisConnectionFactory] })
export class RedisModule {}
