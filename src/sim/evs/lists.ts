// Cinder-style list queries (cloud-api.md §3.8): exact-match filters, sort (default created_at desc, ties by id),
// `marker` (the last id of the previous page), `offset`, `limit` (1–1000, default 1000), and a `*_links` next link
// only when a limit cut the list short. Refusals carry EVS's documented EVS.5400 messages.
import type { Ctx } from '../http/context';
import { RuleError } from '../model/rule-error';

export interface Listable {
  id: string;
  status: string;
  size: number;
  createdAt: number;
}

const SORT_KEYS = ['id', 'status', 'size', 'created_at'] as const;
type SortKey = (typeof SORT_KEYS)[number];
const bad = (m: string) => new RuleError('EVS.5400', m);

function intParam(q: URLSearchParams, key: 'limit' | 'offset'): number | undefined {
  const raw = q.get(key);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n)) throw bad(`${key} param must be an integer.`);
  if (key === 'limit' && n <= 0) throw bad('limit param must be positive.');
  if (n < 0) throw bad(`${key} param must be an integer.`);
  return n;
}

/**
 * One page of `all`, filtered by the query keys listed in `filters` (each compares one field exactly).
 * Returns the page and the `<key>_links` value, if any.
 */
export function listPage<T extends Listable>(
  ctx: Ctx,
  all: T[],
  filters: Record<string, (x: T) => string | null>,
  path: string,
): { page: T[]; links?: { href: string; rel: string }[] } {
  const q = ctx.query;
  const limit = intParam(q, 'limit');
  const offset = intParam(q, 'offset') ?? 0;
  const sortKey = (q.get('sort_key') ?? 'created_at') as SortKey;
  if (!SORT_KEYS.includes(sortKey)) throw bad(`Invalid input received: Invalid sort key ${sortKey}.`);
  const sortDir = q.get('sort_dir') ?? 'desc';
  if (sortDir !== 'asc' && sortDir !== 'desc') throw bad(`Invalid input received: Invalid sort dirs passed: ${sortDir}`);
  const field = (x: T): string | number => (sortKey === 'created_at' ? x.createdAt : x[sortKey]);
  const dir = sortDir === 'asc' ? 1 : -1;
  const rows = all
    .filter((x) => Object.entries(filters).every(([key, get]) => !q.has(key) || get(x) === q.get(key)))
    .sort((a, b) => {
      const [x, y] = [field(a), field(b)];
      return (x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * dir;
    });
  let start = offset;
  const marker = q.get('marker');
  if (marker !== null) {
    const at = rows.findIndex((x) => x.id === marker);
    if (at < 0) throw new RuleError('EVS.5404', `Marker ${marker} could not be found.`);
    start = at + 1 + offset;
  }
  const end = limit === undefined ? Math.min(rows.length, start + 1000) : start + limit;
  const page = rows.slice(start, end);
  if (limit === undefined || end >= rows.length || page.length === 0) return { page };
  const next = new URLSearchParams([...q].filter(([k]) => k !== 'marker' && k !== 'offset'));
  next.set('marker', page[page.length - 1].id);
  return { page, links: [{ href: `${ctx.base}${path}?${next.toString()}`, rel: 'next' }] };
}
