import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrismaClient } from '../../src/db/client.js';
import { NUMERIC_COLUMNS, VARCHAR_COLUMNS } from '../../src/domain/limits.js';
import { testPrisma } from '../support/db.js';

/**
 * The API's and ingest's string limits are derived from domain/limits.ts; this
 * checks that table against the migrated database, so a column added or
 * resized without updating it (and with it what the API accepts) fails here.
 */
describe('domain/limits.ts describes the database', () => {
  let prisma: PrismaClient;
  beforeAll(async () => {
    prisma = await testPrisma(2);
  });
  afterAll(async () => {
    await prisma?.$disconnect();
  });

  it('lists every VARCHAR column of schema finance with its length', async () => {
    const rows = await prisma.$queryRaw<{ table: string; column: string; length: number }[]>`
      SELECT table_name AS table, column_name AS column, character_maximum_length AS length
        FROM information_schema.columns
       WHERE table_schema = 'finance' AND data_type = 'character varying'
       ORDER BY 1, 2`;
    const inDatabase: Record<string, Record<string, number>> = {};
    for (const r of rows) (inDatabase[r.table] ??= {})[r.column] = r.length;
    expect(inDatabase).toEqual(VARCHAR_COLUMNS);
  });

  it('lists every NUMERIC column of schema finance with its precision and scale', async () => {
    const rows = await prisma.$queryRaw<
      { table: string; column: string; precision: number; scale: number }[]
    >`
      SELECT table_name AS table, column_name AS column, numeric_precision AS precision, numeric_scale AS scale
        FROM information_schema.columns
       WHERE table_schema = 'finance' AND data_type = 'numeric'
       ORDER BY 1, 2`;
    const inDatabase: Record<string, Record<string, number[]>> = {};
    for (const r of rows) (inDatabase[r.table] ??= {})[r.column] = [r.precision, r.scale];
    expect(inDatabase).toEqual(NUMERIC_COLUMNS);
  });
});
