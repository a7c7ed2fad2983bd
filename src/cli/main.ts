import { parseArgs } from 'node:util';
import { ConfigError } from '../config/index.js';
import { parseDbConfig } from '../config/db.js';
import { parseKafkaConfig } from '../config/kafka.js';
import { parseRedisConfig } from '../config/redis.js';
import { parseTemporalConfig } from '../config/temporal.js';
import { IdGenerator } from '../lib/ids.js';
import { closePrisma, createPrisma } from '../db/client.js';
import { dbOf } from '../db/executor.js';
import { stdout } from './output.js';

const HELP: Record<string, string> = {
  '': `Usage: npm run finance -- <command> [options]

Commands:
  grant    --user <sub> --role <viewer|accountant|admin> --merchant <id|*>   give a user a role for a merchant
  revoke   --user <sub> --role <role> --merchant <id|*>                     take it back (effective at once on every API replica)
  verify   [--merchant <id>]                                                check every ledger invariant; exit 1 on a violation
  replay   [--from <ISO time>] [--topic <name>]... [--yes]                   rewind the ingest consumer group (dry run without --yes)
  voucher  <id | number> [--merchant <id>]                                  print a voucher and its ledger lines
  period   close|reopen --merchant <id> --period YYYY-MM [--reason <text>]  close a month (storing closing balances) or reopen the latest closed one
  redrive  --event <id> | [--merchant <id>] [--code <code>] [--since <time>] [--yes]   re-run failed events (dry run without --yes)
  trace    <event id>                                                       an event's life: record, Kafka, workflow, vouchers
  provision --merchant <id>                                                 create the default accounts a merchant lacks

Configuration comes from the environment (APP_ENV_DB_URL, APP_ENV_REDIS_URL, APP_ENV_KAFKA_BROKERS, …).
Run \`npm run finance -- <command> --help\` for one command.`,
  grant:
    'Usage: npm run finance -- grant --user <jwt sub> --role <viewer|accountant|admin> --merchant <merchant id or *>',
  revoke:
    'Usage: npm run finance -- revoke --user <jwt sub> --role <viewer|accountant|admin> --merchant <merchant id or *>',
  verify: `Usage: npm run finance -- verify [--merchant <id>]
Checks the posting invariants in SQL: balanced vouchers, positive amounts, lines on the voucher's merchant, balance = sum of lines,
gapless line sequences and balance_after, unique sources, gapless voucher numbers, mirrored voids,
stored closing balances = the lines, nothing written into a closed period after its close.
Exit code 0 when all hold, 1 naming each violation.`,
  replay: `Usage: npm run finance -- replay [--from <ISO time>] [--topic <name>]... [--yes]
Rewinds the consumer group (APP_ENV_KAFKA_GROUP_ID) to the beginning or to --from. Stop the ingest role first.
Without --yes it only prints what it would do. A replay never posts twice: workflow IDs and sources are unique.`,
  voucher: 'Usage: npm run finance -- voucher <voucher id | voucher number> [--merchant <id>]',
  period: `Usage: npm run finance -- period close|reopen --merchant <id> --period YYYY-MM [--reason <text>]
close: closes the month (and the empty months before it); every earlier month with vouchers must be closed first.
       Closing a closed month changes nothing. The month must be over (UTC).
reopen: reopens the latest closed month; --reason is required and kept with your user name.`,
  redrive: `Usage: npm run finance -- redrive --event <id> | [--merchant <id>] [--code <failure code>] [--since <ISO time>] [--yes]
Starts the workflow of FAILED events again from their stored envelope (no Kafka needed), once their cause is fixed.
A completed event never runs again. Without --yes it only lists what it would re-drive. Progress on stderr, a summary on stdout.`,
  trace: 'Usage: npm run finance -- trace <event id>',
  provision: `Usage: npm run finance -- provision --merchant <id>
Creates the default accounts a known merchant lacks (the repair for a missed CDC record). An unknown merchant is refused.`,
};

async function main(argv: string[]): Promise<number> {
  const [command = '', ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      user: { type: 'string' },
      role: { type: 'string' },
      merchant: { type: 'string' },
      from: { type: 'string' },
      topic: { type: 'string', multiple: true },
      yes: { type: 'boolean' },
      period: { type: 'string' },
      reason: { type: 'string' },
      event: { type: 'string' },
      code: { type: 'string' },
      since: { type: 'string' },
    },
  });
  if (values.help || command === '' || command === 'help' || command === '--help' || !(command in HELP)) {
    stdout.line(HELP[command in HELP ? command : '']!);
    return command === '' || command === 'help' || command === '--help' || values.help ? 0 : 2;
  }
  const env = process.env;
  if (command === 'replay') {
    const { runReplay } = await import('./replay.js');
    return runReplay(parseKafkaConfig(env), stdout, {
      from: values.from,
      topics: values.topic,
      yes: values.yes ?? false,
    });
  }
  const prisma = createPrisma({
    url: parseDbConfig(env).url,
    poolSize: 2,
    applicationName: 'seller-finance-cli',
  });
  const db = dbOf(prisma);
  try {
    switch (command) {
      case 'verify': {
        const { runVerify } = await import('./verify.js');
        return await runVerify(db, stdout, values.merchant);
      }
      case 'redrive': {
        const { runRedrive } = await import('./redrive.js');
        return await runRedrive(db, parseTemporalConfig(env), stdout, {
          ...(values.event ? { event: values.event } : {}),
          ...(values.merchant ? { merchant: values.merchant } : {}),
          ...(values.code ? { code: values.code } : {}),
          ...(values.since ? { since: values.since } : {}),
          yes: values.yes ?? false,
        });
      }
      case 'trace': {
        if (!positionals[0]) {
          stdout.line(HELP.trace!);
          return 2;
        }
        const { runTrace } = await import('./trace.js');
        return await runTrace(db, parseTemporalConfig(env), stdout, positionals[0]);
      }
      case 'provision': {
        const { runProvision } = await import('./provision.js');
        const ids = new IdGenerator(parseDbConfig(env).snowflakeNodeId);
        return await runProvision(db, ids, stdout, values.merchant);
      }
      case 'voucher': {
        if (!positionals[0]) {
          stdout.line(HELP.voucher!);
          return 2;
        }
        const { runVoucher } = await import('./voucher.js');
        return await runVoucher(db, stdout, positionals[0], values.merchant);
      }
      case 'period': {
        const { runPeriodCommand } = await import('./periods.js');
        return await runPeriodCommand(db, stdout, positionals[0], values);
      }
      default: {
        const { runGrantCommand } = await import('./grants.js');
        const redis = parseRedisConfig(env);
        return await runGrantCommand(
          command as 'grant' | 'revoke',
          { db, redisUrl: redis.url, keyPrefix: redis.keyPrefix },
          stdout,
          values,
        );
      }
    }
  } finally {
    await closePrisma(prisma);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
