// <%- generatedHeader %>
import { errorMessage, restartOnAsyncContextFrame } from 'kafka-eventing-runtime';
import { loadConfig, type AppConfig } from './config.ts';
import { startService, type RunningService } from './service.ts';

let config: AppConfig;
let service: RunningService;
try {
  config = loadConfig();
  // Tracing on Node 22: this process is replaced by one on AsyncContextFrame first (observability/async-context.ts).
  if (config.tracing.exporter !== 'off') restartOnAsyncContextFrame();
  service = await startService(config);
} catch (error) {
  // Before the logger exists (bad configuration) or while connecting: one line, then a failed exit.
  process.stderr.write(`<%- service.name %> did not start: ${errorMessage(error)}\n`);
  process.exit(1);
}

let signalled = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (signalled) return;
    signalled = true;
    const logger = service.container.cradle.logger;
    logger.info({ signal }, 'shutting down');
    const hardStop = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdown.drainTimeoutMs + 5000);
    hardStop.unref();
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
