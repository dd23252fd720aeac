// Records an alert's firing or resolving: an audit event and a signed webhook event (MONITORING.ALERT_FIRING /
// ALERT_RESOLVED) through the outbox, both in the transaction that writes the alert row.
import { systemContext } from "../../core/request-context.js";
import type { AuditLog } from "../../governance/audit.js";
import type { Executor } from "../../store/database.js";
import type { Outbox } from "../../webhooks/outbox.js";
import type { Alert } from "../monitoring.js";

export interface AlertNotices {
  record(trx: Executor, alert: Alert, model: string): Promise<void>;
}

export function createAlertNotices(deps: { audit: AuditLog; outbox: Outbox }): AlertNotices {
  return {
    async record(trx, alert, model) {
      const firing = alert.state === "firing";
      await deps.audit.record(
        trx,
        { ...systemContext(), reason: alert.message },
        {
          action: firing ? "monitoring.alert_firing" : "monitoring.alert_resolved",
          targetType: "deployment",
          targetId: alert.deployment,
          after: alert,
          reason: alert.message,
        },
      );
      await deps.outbox.publish(trx, {
        entity: "MONITORING",
        action: firing ? "ALERT_FIRING" : "ALERT_RESOLVED",
        // Deliveries about one model go out in order, as the registry's and the deployments' events do.
        orderingKey: model,
        data: {
          alert_id: alert.id,
          rule_id: alert.ruleId,
          rule: alert.ruleName,
          deployment: alert.deployment,
          model,
          version: alert.version,
          kind: alert.kind,
          severity: alert.severity,
          state: alert.state,
          value: alert.value,
          threshold: alert.threshold,
          message: alert.message,
          window_start: alert.windowStart,
          window_end: alert.windowEnd,
          fired_at: alert.firedAt,
          ...(alert.resolvedAt !== undefined ? { resolved_at: alert.resolvedAt } : {}),
        },
      });
    },
  };
}
