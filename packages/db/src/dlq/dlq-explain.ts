// EXPLAIN ANALYZE of the inbox's queries, exactly as they run: the suite that holds the inbox to
// its time budget at 100,000 entries reads their plans and execution times through this.
import { type SQLWrapper, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';

export interface ExplainedQuery {
  /** The plan, one line per row of EXPLAIN's output. */
  plan: string[];
  /** Execution time as PostgreSQL measured it (server time, without the round trip). */
  executionMs: number;
}

export async function explainAnalyze(db: Database, query: SQLWrapper): Promise<ExplainedQuery> {
  const r = await db.execute<{ 'QUERY PLAN': string }>(
    sql`EXPLAIN (ANALYZE, BUFFERS) ${query.getSQL()}`,
  );
  const plan = r.rows.map((row) => row['QUERY PLAN']);
  const line = plan.find((l) => l.startsWith('Execution Time:')) ?? '';
  return { plan, executionMs: Number(/([\d.]+) ms/.exec(line)?.[1] ?? Number.NaN) };
}
