// <%- generatedHeader %>
import { loadConfig } from './config.ts';
import { startService } from './service.ts';

const config = loadConfig();
const service = await startService(config);

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
