/** Shared builders for the i18n tests (not part of the public API). */
import type { Kind, ParamValue } from './settlement.ts';

/** A value of each kind, for saying every code. */
export function sample(kind: Kind): ParamValue {
  if (kind.startsWith('count:')) return 3;
  switch (kind) {
    case 'text':
      return 'uptime';
    case 'texts':
      return ['2026-09', '2026-10'];
    case 'date':
      return '2026-10-31';
    case 'money':
      return { minor: 30_000, currency: 'USD' };
    case 'moneys':
      return [
        { minor: 30_000, currency: 'USD' },
        { minor: 5_000, currency: 'EUR' },
      ];
    case 'number':
      return 2;
    case 'percent':
      return 30;
    case 'duration':
      return 3_161_000;
    case 'measure':
      return { value: 98.5, unit: 'percent' };
    case 'promise':
      return { comparator: '>=', value: 99.99, unit: 'percent' };
    case 'threshold':
      return { bound: 'below', value: 99, unit: 'percent' };
    case 'excluded':
      return [{ id: 'T-1', reason: 'customer_caused' }];
    case 'need':
      return { rule: 'consecutive', count: 3 };
    case 'state':
      return 'breached';
    case 'cap':
      return 'per_year';
    case 'exclusion':
      return 'force_majeure';
    case 'instant':
      return { at: '2026-10-05T07:30:00Z', zone: 'Asia/Dubai' };
    case 'evidence':
      return 'first_check';
    default:
      throw new Error(`no sample for ${kind}`);
  }
}
