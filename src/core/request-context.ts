/**
 * Who is acting and on behalf of which request. Every mutating domain call takes one, so that the audit
 * record written in the same transaction can say who did what (and the logs can be joined by request id).
 */
export interface RequestContext {
  /** The authenticated user name, or "anonymous" when auth is off. */
  actor: string;
  requestId: string;
  /** Why, when the caller said (the `X-Flowgate-Reason` header): kept with protected promotions. */
  reason?: string | undefined;
}

export function systemContext(requestId = "system"): RequestContext {
  return { actor: "system", requestId };
}
