import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
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
        secret: config.auth.jwtSecret,
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
