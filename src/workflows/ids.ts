/**
 * Workflow IDs of ingested events (docs/reference/events.md): `finance-event-<event id>`;
 * a merchant CDC record's is `finance-event-merchant-<merchant id>-<position>`
 * (src/ingest/workflow-start.ts). An event's record is keyed by the ID without
 * this prefix. The event id pattern already excludes anything unsafe in an ID.
 */
export const EVENT_WORKFLOW_PREFIX = 'finance-event-';

export const eventWorkflowId = (eventId: string): string => `${EVENT_WORKFLOW_PREFIX}${eventId}`;
