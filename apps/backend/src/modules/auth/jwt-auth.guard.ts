import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { Request, Response } from 'express';
import type { AuthenticatedRequest } from './principal';

export const BEARER_REALM = 'ethico';

/** Bearer HS256 JWTs with `sub` and `organizationId` claims, signed with JWT_SECRET. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly jwt: JwtService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const res = ctx.switchToHttp().getResponse<Response>();
    // RFC 6750 §3: every 401 names the scheme; error="invalid_token" when one was sent but is not good.
    const unauthorized = (message: string, invalidToken: boolean) => {
      res.setHeader('WWW-Authenticate', `Bearer realm="${BEARER_REALM}"${invalidToken ? ', error="invalid_token"' : ''}`);
      return new UnauthorizedException(message);
    };
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      throw unauthorized('a bearer token is required', false);
    }
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync(token, { algorithms: ['HS256'] });
    } catch (err) {
      throw unauthorized(`invalid token: ${(err as Error).message}`, true);
    }
    const { sub, organizationId } = claims;
    if (typeof sub !== 'string' || !sub || typeof organizationId !== 'string' || !organizationId) {
      throw unauthorized('token must carry string claims sub and organizationId', true);
    }
    req.principal = { userId: sub, organizationId };
    return true;
  }
}
