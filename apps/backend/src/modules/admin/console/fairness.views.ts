import type { AdminPrincipal } from '../../auth/admin-auth';
import type { FairnessView } from '../tenant-weights.service';
import { pageTemplate } from './view-templates';

const FAIRNESS_CONSOLE_ROUTE = '/admin/fairness';

type FairnessPageView = Omit<FairnessView, 'weights'> & {
  title: string;
  admin: AdminPrincipal | null;
  weights: { organizationId: string; weight: number; maxPending: string; aiCallsPerMinute: string; updatedBy: string; updatedAt: string }[];
};

const template = pageTemplate<FairnessPageView>('fairness', FAIRNESS_CONSOLE_ROUTE);

/** Who is using each queue now (jobs waiting per tenant) and the weights; read-only. */
export function fairnessPage(admin: AdminPrincipal, view: FairnessView): string {
  return template({
    ...view,
    title: 'Tenant fairness',
    admin,
    weights: view.weights.map((w) => ({
      ...w,
      maxPending: w.maxPending === null ? 'configured' : String(w.maxPending),
      aiCallsPerMinute: w.aiCallsPerMinute === null ? 'configured' : String(w.aiCallsPerMinute),
      updatedBy: w.updatedBy ?? '–',
    })),
  });
}
