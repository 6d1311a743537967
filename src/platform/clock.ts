/** The current time, passed in so engines and tests control it. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
