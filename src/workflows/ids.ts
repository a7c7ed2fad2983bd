/**
 * The prefix of ingested work's workflow IDs (`finance-event-<event id>`,
 * `finance-event-merchant-<merchant id>-<position>`; built in
 * src/temporal/workflow-starts.ts). An event's record is keyed by the ID
 * without it, which is how a workflow finds its own record.
 */
export const EVENT_WORKFLOW_PREFIX = 'finance-event-';
