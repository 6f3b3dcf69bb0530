import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AdminAccount, parseAdminUsers } from '../admin-accounts';
import { problem } from '../fields';
import { secretWeakness } from '../secret-strength';
import { NODE_ENV } from '../shared-variables';

const ADMIN_USERS = z
  .string()
  .optional()
  .transform((raw, ctx): AdminAccount[] => {
    if (raw === undefined) return [];
    const { accounts, problems } = parseAdminUsers(raw);
    problems.forEach((message) => ctx.addIssue({ code: 'custom', message }));
    return problems.length ? z.NEVER : accounts;
  });

/** The ADMIN_USERNAME/ADMIN_PASSWORD pair signs in unless ADMIN_USERS replaces it (ADMIN_USERS without ADMIN_PASSWORD). */
const pairEnabled = (e: { ADMIN_PASSWORD?: string; ADMIN_USERS: AdminAccount[] }) =>
  e.ADMIN_PASSWORD !== undefined || e.ADMIN_USERS.length === 0;

export const adminSection = z
  .object({
    NODE_ENV,
    ADMIN_USERNAME: z.string().min(1).default('admin'),
    ADMIN_PASSWORD: z.string().optional(),
    ADMIN_USERS,
  })
  .superRefine((e, ctx) => {
    if (!pairEnabled(e)) return;
    if (e.NODE_ENV === 'production' && (!e.ADMIN_PASSWORD || e.ADMIN_PASSWORD.length < 16)) {
      problem(ctx, 'ADMIN_PASSWORD', 'must be set to at least 16 characters when NODE_ENV=production');
    } else if (e.NODE_ENV === 'production') {
      const weakness = secretWeakness(e.ADMIN_PASSWORD!, 16, 8);
      if (weakness) problem(ctx, 'ADMIN_PASSWORD', `${weakness} when NODE_ENV=production`);
    }
    if (e.ADMIN_USERS.some((a) => a.name === e.ADMIN_USERNAME)) {
      problem(ctx, 'ADMIN_USERS', `names the user "${e.ADMIN_USERNAME}", which ADMIN_USERNAME already defines`);
    }
  })
  .transform((e) => {
    const pair = pairEnabled(e);
    const password = e.ADMIN_PASSWORD ?? randomBytes(12).toString('base64url');
    const accounts: AdminAccount[] = [
      ...(pair ? [{ name: e.ADMIN_USERNAME, role: 'operator' as const, secret: { scheme: 'plain' as const, password } }] : []),
      ...e.ADMIN_USERS,
    ];
    return {
      username: e.ADMIN_USERNAME,
      password,
      // With ADMIN_USERS and no ADMIN_PASSWORD there is no pair account, so nothing generated to print.
      passwordGenerated: e.ADMIN_PASSWORD === undefined && pair,
      /** Everyone who may sign in to /admin: the ADMIN_USERNAME pair (an operator) and ADMIN_USERS. */
      accounts,
    };
  });
