import { readFileSync } from 'node:fs';
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { quietTemporalRuntime, replayHistory } from '../support/temporal.js';

/**
 * A deploy must not break the runs in flight. These histories were recorded
 * from the code before an event's postings became one local activity
 * (`histories/*.bin`, protobuf `temporal.api.history.v1.History`: one sale
 * with cost each, SALE + COGS posted by two normal activities, or two local
 * ones when the run's input asked); the current workflow code must replay
 * them without a nondeterminism error, taking the old path.
 */
const History = proto.temporal.api.history.v1.History;
const recorded = (name: string) =>
  History.decode(readFileSync(new URL(`./histories/${name}.bin`, import.meta.url)));

describe('postEventWorkflow replays runs started by earlier code', () => {
  it.each(['post-event-before-one-activity', 'post-event-before-one-activity-local'])('%s', async (name) => {
    quietTemporalRuntime();
    const history = recorded(name);
    expect(history.events.length).toBeGreaterThan(5);
    await expect(replayHistory(history)).resolves.toBeUndefined();
  });
});
