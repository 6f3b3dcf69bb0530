import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { AdminRole } from '../../config/admin-accounts';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { ADMIN_REALM, AdminAuthenticator, AdminPrincipal, AdminRequest, crossSiteReason, isSafeMethod } from './admin-auth';

const ADMIN_ROLE_KEY = 'ethico:admin-role';
/** The role a route needs; without it any admin (viewer or operator) may call it. */
export const RequireAdminRole = (role: AdminRole) => SetMetadata(ADMIN_ROLE_KEY, role);

/** Admin credentials for the admin JSON API and the console: role checks, and cross-site refusal for writes. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly auth: AdminAuthenticator,
    private readonly reflector: Reflector,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request & AdminRequest>();
    const principal = await this.auth.authenticate(req.headers.authorization);
    if (!principal) {
      ctx.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', ADMIN_REALM);
      throw new UnauthorizedException('admin credentials required');
    }
    req.admin = principal;
    if (!isSafeMethod(req.method)) {
      const crossSite = crossSiteReason(req, this.config.http.publicUrl);
      if (crossSite) throw new ForbiddenException(`cross-site request refused (${crossSite})`);
    }
    const needed = this.reflector.getAllAndOverride<AdminRole | undefined>(ADMIN_ROLE_KEY, [ctx.getHandler(), ctx.getClass()]);
    if (needed === 'operator' && principal.role !== 'operator') {
      throw new ForbiddenException('this action needs the operator role');
    }
    return true;
  }
}

/** The admin AdminAuthGuard let in. */
export const CurrentAdmin = createParamDecorator((_: unknown, ctx: ExecutionContext): AdminPrincipal => {
  const admin = ctx.switchToHttp().getRequest<AdminRequest>().admin;
  if (!admin) throw new Error('CurrentAdmin used on a route without AdminAuthGuard');
  return admin;
});
