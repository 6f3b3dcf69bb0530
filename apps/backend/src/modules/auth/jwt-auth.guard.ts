import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import type { AuthenticatedRequest } from './principal';

/** Bearer HS256 JWTs with `sub` and `organizationId` claims (and optionally `role: "admin"`), signed with JWT_SECRET. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly jwt: JwtService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      throw new UnauthorizedException('a bearer token is required');
    }
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync(token, { algorithms: ['HS256'] });
    } catch (err) {
      throw new UnauthorizedException(`invalid token: ${(err as Error).message}`);
    }
    const { sub, organizationId, role } = claims;
    if (typeof sub !== 'string' || !sub || typeof organizationId !== 'string' || !organizationId) {
      throw new UnauthorizedException('token must carry string claims sub and organizationId');
    }
    // Any other role value is a plain member: the claim only ever adds the tenant-admin right.
    req.principal = role === 'admin' ? { userId: sub, organizationId, role } : { userId: sub, organizationId };
    return true;
  }
}
