import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import type { AppConfig } from '../../config/configuration';
import { APP_CONFIG } from '../../config/app-config.module';
import { AdminAuthenticator } from './admin-auth';
import { AdminAuthGuard } from './admin-auth.guard';
import { JwtAuthGuard } from './jwt-auth.guard';

@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // A KeyObject, not the string: given a string, jsonwebtoken first tries to parse it as a PEM
        // public key on every verify (and throws), which cost a third of the API's CPU under load.
        secret: createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8')),
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  providers: [
    JwtAuthGuard,
    AdminAuthGuard,
    { provide: AdminAuthenticator, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new AdminAuthenticator(config.admin.accounts) },
  ],
  exports: [JwtModule, JwtAuthGuard, AdminAuthGuard, AdminAuthenticator],
})
export class AuthModule {}
