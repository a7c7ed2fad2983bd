import { describe, expect, it } from 'vitest';
import { OpenWorkflows } from './open-workflows.js';

/** A kafkajs-like `pause` that records whether its partition is paused. */
function partition() {
  const state = { paused: false, resumes: 0 };
  const pause = () => {
    state.paused = true;
    return () => {
      state.paused = false;
      state.resumes += 1;
    };
  };
  return { state, pause };
}

describe('OpenWorkflows', () => {
  it('gives out slots up to the bound and none beyond', () => {
    const open = new OpenWorkflows(3);
    expect([open.tryTake(), open.tryTake(), open.tryTake(), open.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(open.count).toBe(3);
    open.release();
    expect(open.tryTake()).toBe(true);
    expect(open.tryTake()).toBe(false);
  });

  it('resumes paused partitions only once completions bring the count a quarter below the bound', () => {
    const open = new OpenWorkflows(8);
    for (let i = 0; i < 8; i += 1) open.tryTake();
    const a = partition();
    const b = partition();
    open.pauseUntilFree('sale', 0, a.pause);
    open.pauseUntilFree('sale', 1, b.pause);
    open.release(); // 7 open: still above the low mark (6)
    expect(a.state.paused && b.state.paused).toBe(true);
    open.release(); // 6 open
    expect([a.state, b.state]).toEqual([
      { paused: false, resumes: 1 },
      { paused: false, resumes: 1 },
    ]);
    open.release(); // nothing paused any more: nothing resumed twice
    expect(a.state.resumes).toBe(1);
  });

  it('resumes at once a partition paused after the completions already freed the slots', () => {
    const open = new OpenWorkflows(4);
    for (let i = 0; i < 4; i += 1) open.tryTake();
    for (let i = 0; i < 4; i += 1) open.release();
    const late = partition();
    open.pauseUntilFree('sale', 2, late.pause);
    expect(late.state).toEqual({ paused: false, resumes: 1 });
  });

  it('with a bound of one, resumes when the one workflow closes', () => {
    const open = new OpenWorkflows(1);
    expect(open.tryTake()).toBe(true);
    const p = partition();
    open.pauseUntilFree('inventory', 0, p.pause);
    expect(p.state.paused).toBe(true);
    open.release();
    expect(p.state.paused).toBe(false);
  });
});
