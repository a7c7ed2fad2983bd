import { createPrisma, poolOf } from '../src/db/client.js';
const prisma = createPrisma({
  url: 'postgresql://postgres:postgres@127.0.0.1:5432/seller_finance_bench',
  poolSize: 8,
});
const acc = await prisma.financeAccount.findFirst();
const id = acc!.id.toString();
const pool = poolOf(prisma)!;
for (const [name, fn] of [
  [
    'prisma',
    () =>
      prisma.$queryRaw`SELECT id::text, code, balance::text FROM finance."FinanceAccount" WHERE id = ${id}::bigint`,
  ],
  [
    'pg',
    () =>
      pool.query('SELECT id::text, code, balance::text FROM finance."FinanceAccount" WHERE id = $1::bigint', [
        id,
      ]),
  ],
] as const) {
  for (const conc of [1, 16]) {
    const n = 3000;
    let done = 0;
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    await Promise.all(
      Array.from({ length: conc }, async () => {
        while (done < n) {
          done++;
          await (fn as () => Promise<unknown>)();
        }
      }),
    );
    const cpu = process.cpuUsage(cpu0);
    console.log(
      name,
      'conc',
      conc,
      'ops/s',
      Math.round(n / ((performance.now() - t) / 1000)),
      'cpu us/op',
      Math.round((cpu.user + cpu.system) / n),
    );
  }
}
await prisma.$disconnect();
