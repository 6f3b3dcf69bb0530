import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { ADMIN_REALM, checkBasicAuth } from './admin-auth';

/** The dashboard's basic auth, for the admin JSON API. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(@InjectConfig() private readonly config: AppConfig) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<Request>();
    if (checkBasicAuth(req.headers.authorization, this.config.admin)) return true;
    ctx.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', ADMIN_REALM);
    throw new UnauthorizedException('admin credentials required');
  }
}
