/** The CLI package's public surface: the command dispatcher and the pieces of `up` worth reusing or testing. */
export { DATA_DIR_ENV_VAR, DEFAULT_DATA_DIR, parsePort, resolveDataDir, resolvePort } from "./args.js";
export { runCli } from "./cli.js";
export {
  AlreadyRunningError,
  CliError,
  type CliErrorCode,
  PortInUseError,
  ServiceFailedError,
  UsageError,
} from "./errors.js";
export {
  type ExitStatus,
  initialLifecycleState,
  type LifecycleEffect,
  type LifecycleEvent,
  type LifecyclePhase,
  type LifecycleState,
  type Step,
  step,
} from "./up/lifecycle.js";
export {
  DEFAULT_RESTART_POLICY,
  decideAfterFailure,
  isQuickFailure,
  type RestartDecision,
  type RestartPolicy,
  restartDelayMs,
} from "./up/restart-policy.js";
export { formatPrefix, MAX_LINE_BYTES, type ServiceLog } from "./up/service-log.js";
export {
  DEFAULT_RUNNER_TIMEOUTS,
  type RunnerNotice,
  type RunnerSnapshot,
  type RunnerTimeouts,
  ServiceRunner,
  type ServiceRunnerOptions,
} from "./up/service-runner.js";
export { SERVICES, type ServiceDefinition, type SpawnCommand, type SpawnContext } from "./up/services.js";
export {
  readUpState,
  type ServiceRecord,
  STATE_FILE_NAME,
  stateFilePath,
  type UpState,
} from "./up/state-file.js";
