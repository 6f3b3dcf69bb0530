import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** Who is calling, from a verified token. The tenant comes from here, never from the request body. */
export interface Principal {
  userId: string;
  organizationId: string;
  /** The `role` claim: 'admin' for the tenant's administrators (tenant settings such as schedules); absent for members. */
  role?: 'admin';
}

/** Tenant administrators only (the JWT's `role: "admin"` claim); the tenant is still the token's. */
export function isTenantAdmin(p: Principal): boolean {
  return p.role === 'admin';
}

export interface AuthenticatedRequest {
  principal?: Principal;
  correlationId?: string;
}

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without JwtAuthGuard');
  return principal;
});
