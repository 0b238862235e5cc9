// <%- generatedHeader %>
// `npm run migrate`: runs the pending migrations of migrations/ against the configured database
// (the service also does this at start unless database.migrateOnStart is false).
import { errorMessage } from 'kafka-eventing-runtime';
import { migrate } from 'kafka-eventing-runtime/postgres';
import { loadConfig } from '../config.ts';
import { MIGRATIONS_DIR } from '../service.ts';
import { createLogger } from '../logger.ts';

const config = loadConfig();
const logger = createLogger(config);
try {
  const ran = await migrate(config.database, logger, MIGRATIONS_DIR);
  process.stdout.write(ran.length === 0 ? 'no migrations to run\n' : `ran ${ran.join(', ')}\n`);
} catch (error) {
  process.stderr.write(`${errorMessage(error)}\n`);
  process.exitCode = 1;
}
