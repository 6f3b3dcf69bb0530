import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** Who is calling, from a verified token. The tenant comes from here, never from the request body. */
export interface Principal {
  userId: string;
  organizationId: string;
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
