/**
 * The PostgreSQL transactional outbox, relay and inbox (`kafka-eventing-runtime/postgres`); the service
 * installs pg and node-pg-migrate.
 */
export { inboxDeadLetterSink, recordInInbox } from './database/inbox.ts';
export { migrate } from './database/migrate.ts';
export { Outbox, OUTBOX_CHANNEL } from './database/outbox.ts';
export {
  checkConnection,
  clientConfig,
  createPool,
  databaseLabel,
  handlerConnections,
  isDatabaseReady,
  type DatabaseConfig,
  type DatabaseSettings,
  type Queryable,
} from './database/pool.ts';
export { OutboxRelay } from './database/relay.ts';
export { ScopedTransaction, type Statement } from './database/transaction.ts';
export { TransactionalUnitOfWork } from './database/transactional-unit-of-work.ts';
