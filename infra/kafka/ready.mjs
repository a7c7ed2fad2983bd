// Readiness probe for the local Kafka broker, used by infra/stack.sh.
// Exit 0 when the broker answers a metadata request (listTopics) and its group
// coordinator is available, non-zero otherwise. The describeGroups call also
// warms up a fresh broker: it makes the broker create __consumer_offsets now,
// so the first consumer group in a test does not pay for that.
// Usage: node infra/kafka/ready.mjs 127.0.0.1:9092 [--quick]
/* global process, console, setTimeout, clearTimeout */
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const broker = process.argv[2] || '127.0.0.1:9092';
const quick = process.argv.includes('--quick'); // status: metadata only

async function probe() {
  const kafka = new Kafka({
    clientId: 'sf-stack-probe',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 2, initialRetryTime: 200 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.listTopics();
    if (!quick) await admin.describeGroups(['sf-stack-probe']);
  } finally {
    await admin.disconnect();
  }
}

const timer = setTimeout(() => process.exit(2), 15000);
probe().then(
  () => {
    clearTimeout(timer);
    process.exit(0);
  },
  (err) => {
    console.error(`kafka probe: ${err && err.message}`);
    process.exit(1);
  },
);
