import { runner } from 'node-pg-migrate';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { clientConfig, databaseLabel, type DatabaseSettings } from './pool.ts';

/**
 * Runs the pending migrations of `dir` (the service's migrations/; node-pg-migrate, in one transaction, under its
 * advisory lock so that replicas starting together wait for each other). A failing migration
 * rolls them all back and stops the start, naming the migration.
 */
export async function migrate(settings: DatabaseSettings, logger: Logger, dir: string): Promise<string[]> {
  let current: string | undefined;
  const log = (message: string) => {
    const started = /^### MIGRATION (.+) \((?:UP|DOWN)\) ###$/.exec(message);
    if (started) current = started[1];
    logger.debug({ migration: current }, message);
  };
  try {
    const ran = await runner({
      databaseUrl: clientConfig(settings),
      dir,
      direction: 'up',
      migrationsTable: 'pgmigrations',
      checkOrder: true,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      logger: { debug: log, info: log, warn: log, error: log },
    });
    if (ran.length > 0) logger.info({ migrations: ran.map((migration) => migration.name) }, 'database migrated');
    return ran.map((migration) => migration.name);
  } catch (error) {
    const reason = errorMessage(error);
    throw new Error(
      current === undefined
        ? `migrations of ${databaseLabel(settings)} failed: ${reason}`
        : `migration ${current} failed on ${databaseLabel(settings)} (all pending migrations rolled back): ${reason}`,
      { cause: error },
    );
  }
}
