import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import type { OrgCategory } from './ai.types';

/**
 * Used for every organization that has not defined its own (rows in organization_categories).
 * Keywords feed the offline provider; remote providers see only the names.
 */
export const DEFAULT_CATEGORIES: readonly OrgCategory[] = [
  {
    name: 'Fraud & Financial Misconduct',
    keywords: [
      'fraud',
      'embezzlement',
      'invoice',
      'expense',
      'kickback',
      'falsified',
      'accounting',
      'bribe',
      'bribery',
      'money laundering',
      'payment',
    ],
  },
  {
    name: 'Harassment & Discrimination',
    keywords: [
      'harassment',
      'harassed',
      'discrimination',
      'bullying',
      'bullied',
      'sexual',
      'racist',
      'hostile',
      'inappropriate',
      'touched',
      'slur',
      'gender',
    ],
  },
  {
    name: 'Workplace Safety',
    keywords: [
      'safety',
      'injury',
      'injured',
      'accident',
      'hazard',
      'unsafe',
      'protective equipment',
      'fire',
      'chemical',
      'machine',
      'forklift',
    ],
  },
  {
    name: 'Conflict of Interest',
    keywords: ['conflict of interest', 'relative', 'family member', 'vendor', 'gift', 'favoritism', 'side business', 'ownership'],
  },
  {
    name: 'Data Privacy & Security',
    keywords: ['privacy', 'personal data', 'data breach', 'password', 'leak', 'leaked', 'confidential', 'customer records', 'gdpr'],
  },
  { name: 'Theft', keywords: ['theft', 'steal', 'stealing', 'stole', 'stolen', 'missing inventory', 'took home', 'property'] },
  { name: 'Retaliation', keywords: ['retaliation', 'retaliated', 'punished', 'demoted', 'revenge', 'after reporting', 'fired for'] },
  {
    name: 'Policy Violation',
    keywords: ['policy', 'violation', 'code of conduct', 'procedure', 'attendance', 'drugs', 'alcohol', 'drunk'],
  },
  { name: 'Other', keywords: [] },
];

@Injectable()
export class AiCategoriesService {
  constructor(private readonly db: DatabaseService) {}

  /** The organization's categories in its order, or the default set when it has none. */
  async forOrganization(organizationId: string): Promise<OrgCategory[]> {
    const rows = await this.db.query<{ name: string; keywords: string[] }>(
      'SELECT name, keywords FROM organization_categories WHERE organization_id = $1 ORDER BY position, name',
      [organizationId],
    );
    return rows.length > 0
      ? rows.map((r) => ({ name: r.name, keywords: r.keywords }))
      : DEFAULT_CATEGORIES.map((c) => ({ ...c, keywords: [...c.keywords] }));
  }
}
