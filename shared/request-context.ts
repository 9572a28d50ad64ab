import type { Principal } from './auth';

/** Who asks, and when: what every use case needs from the request that started it. */
export interface RequestContext {
  principal: Principal;
  /** The request time, used for every timestamp the request writes. */
  now: string;
  correlationId?: string;
}
