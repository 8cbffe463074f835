/** The time source for queries (R19, D7). Inputs carry their own time (R20). */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  readonly now: () => number
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() }

/** A clock that always answers the same instant: for tests, replays and vectors. */
export const fixedClock = (ms: number): Clock => ({ now: () => ms })
