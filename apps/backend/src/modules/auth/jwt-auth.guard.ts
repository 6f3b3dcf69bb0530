import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { Request, Response } from 'express';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import type { AuthenticatedRequest } from './principal';

export const BEARER_REALM = 'ethico';

/**
 * Bearer HS256 JWTs with `sub` and `organizationId` claims (and optionally `role: "admin"`), signed
 * with JWT_SECRET. Every token
 * expires (`exp` required, at most JWT_MAX_LIFETIME_S ahead): a token without one would be a
 * credential for ever. With JWT_ISSUER / JWT_AUDIENCE set, a token minted for another service
 * with the same secret is refused.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly jwt: JwtService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

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
    const { jwtIssuer, jwtAudience, jwtMaxLifetimeS } = this.config.auth;
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync(token, {
        algorithms: ['HS256'],
        ...(jwtIssuer ? { issuer: jwtIssuer } : {}),
        ...(jwtAudience ? { audience: jwtAudience } : {}),
      });
    } catch (err) {
      throw unauthorized(`invalid token: ${(err as Error).message}`, true);
    }
    // verify checks exp when present (expired, or not a number); here: that it is present and near.
    const { sub, organizationId, role, exp, iat } = claims;
    if (typeof exp !== 'number') throw new UnauthorizedException('invalid token: exp is required');
    const now = Math.floor(Date.now() / 1000);
    if (exp - now > jwtMaxLifetimeS || (typeof iat === 'number' && exp - iat > jwtMaxLifetimeS)) {
      throw new UnauthorizedException(`invalid token: its lifetime exceeds ${jwtMaxLifetimeS} s`);
    }
    if (typeof sub !== 'string' || !sub || typeof organizationId !== 'string' || !organizationId) {
      throw unauthorized('token must carry string claims sub and organizationId', true);
    }
    // Any other role value is a plain member: the claim only ever adds the tenant-admin right.
    req.principal = role === 'admin' ? { userId: sub, organizationId, role } : { userId: sub, organizationId };
    return true;
  }
}
