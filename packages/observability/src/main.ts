/**
 * Runs the alert receiver alone: `node packages/observability/dist/main.js`. Configuration comes from
 * `ALERT_RECEIVER_*` variables (see the package README); SIGTERM stops it gracefully.
 */
import { integerVar, loadConfig, runService, serviceVars } from "@hakobune/service-kit";
import { defaultMaxAlerts, maxAlertsLimit } from "./alertmanager/alert-log.js";
import { createAlertReceiver, defaultAlertReceiverPort } from "./alertmanager/alert-receiver.js";

await runService(() => {
  const config = loadConfig(
    {
      ...serviceVars("ALERT_RECEIVER", { port: defaultAlertReceiverPort }),
      maxAlerts: integerVar("ALERT_RECEIVER_MAX_ALERTS", defaultMaxAlerts, { min: 1, max: maxAlertsLimit }),
    },
    process.env,
  );
  const { service } = createAlertReceiver({
    maxAlerts: config.maxAlerts,
    bodyLimitBytes: config.bodyLimitBytes,
    logLevel: config.logLevel,
  });
  return { service, port: config.port, host: config.host, drainTimeoutMs: config.drainTimeoutMs };
});
