/** The app generator's settings: each is a command-line option and, unless given, a prompt. */
import {
  COMPATIBILITY_LEVELS,
  ENVIRONMENTS,
  optionText,
  SCHEMA_FORMATS,
  parseBrokers,
  validateCompatibility,
  validatePort,
  validateRegistryUrl,
  validateSchemaFormat,
  validateServiceName,
  type CompatibilityLevel,
  type EnvironmentName,
  type SchemaFormat,
  type ServiceModel,
} from '../lib/model.js';
import type { Setting, Settings } from '../lib/settings.js';
import { DATABASES, validateDatabase, type DatabaseChoice } from '../lib/database.js';
import { DEFAULT_KAFKA_CLIENT, KAFKA_CLIENTS, kafkaClientOf, validateKafkaClient, type KafkaClient } from '../lib/kafka-client.js';

export interface AppAnswers {
  name: string;
  description: string;
  port: number;
  developmentBrokers: string[];
  developmentRegistryUrl: string;
  testBrokers: string[];
  testRegistryUrl: string;
  productionBrokers: string[];
  productionRegistryUrl: string;
  schemaFormat: SchemaFormat;
  compatibility: CompatibilityLevel;
  database: DatabaseChoice;
  kafkaClient: KafkaClient;
}

const DEFAULT_BROKERS = 'localhost:9092';
const DEFAULT_REGISTRY = 'http://localhost:8081/apis/ccompat/v7';

function brokersSetting(env: EnvironmentName): Setting<AppAnswers, string[]> {
  const previous = env === 'development' ? undefined : ('developmentBrokers' as const);
  return {
    option: `${env}-brokers`,
    description: `Kafka bootstrap servers for ${env}, host:port separated by commas (default: ${previous ? 'the development value' : DEFAULT_BROKERS}; --brokers sets all environments)`,
    message: `Kafka bootstrap servers (${env})`,
    default: (answers) => (previous ? answers[previous]?.join(',') : DEFAULT_BROKERS),
    parse: (raw) => parseBrokers(raw, `Kafka bootstrap servers (${env})`),
  };
}

function registrySetting(env: EnvironmentName): Setting<AppAnswers, string> {
  const previous = env === 'development' ? undefined : ('developmentRegistryUrl' as const);
  return {
    option: `${env}-registry-url`,
    description: `Schema registry URL for ${env} (default: ${previous ? 'the development value' : DEFAULT_REGISTRY}; --registry-url sets all environments)`,
    message: `Schema registry URL (${env})`,
    default: (answers) => (previous ? answers[previous] : DEFAULT_REGISTRY),
    parse: (raw) => validateRegistryUrl(raw, `Schema registry URL (${env})`),
  };
}

export const appSettings: Settings<AppAnswers> = {
  name: {
    option: 'name',
    description: 'Service name (an npm package name); also the positional argument',
    message: 'Service name',
    default: () => 'my-service',
    parse: validateServiceName,
  },
  description: {
    option: 'description',
    description: 'One line saying what the service does',
    message: 'Description',
    default: (answers) => `The ${answers.name ?? ''} service`,
    parse: (raw) => optionText(raw).trim(),
  },
  port: {
    option: 'port',
    description: 'HTTP port (default 3000)',
    message: 'HTTP port',
    default: () => '3000',
    parse: validatePort,
  },
  developmentBrokers: brokersSetting('development'),
  developmentRegistryUrl: registrySetting('development'),
  testBrokers: brokersSetting('test'),
  testRegistryUrl: registrySetting('test'),
  productionBrokers: brokersSetting('production'),
  productionRegistryUrl: registrySetting('production'),
  schemaFormat: {
    option: 'schema-format',
    description: `Schema format of the events: ${SCHEMA_FORMATS.join(' | ')} (default json = JSON Schema; fixed once the service has events)`,
    message: 'Schema format',
    choices: () => SCHEMA_FORMATS,
    default: () => 'json',
    parse: validateSchemaFormat,
  },
  compatibility: {
    option: 'compatibility',
    description: `Schema registry compatibility set on each subject: ${COMPATIBILITY_LEVELS.join(' | ')} (default BACKWARD)`,
    default: () => 'BACKWARD',
    parse: validateCompatibility,
  },
  database: {
    option: 'database',
    description: `The service's own database: ${DATABASES.join(' or ')} (default none; postgres adds a pool, migrations, a transactional outbox and an inbox)`,
    message: 'Database',
    choices: () => DATABASES,
    default: () => 'none',
    parse: validateDatabase,
  },
  kafkaClient: {
    option: 'kafka-client',
    description: `Kafka client of the service: ${KAFKA_CLIENTS.join(' | ')} (default ${DEFAULT_KAFKA_CLIENT}; platformatic = @platformatic/kafka, Node.js >= 22.22; a re-run switches it)`,
    default: () => DEFAULT_KAFKA_CLIENT,
    parse: validateKafkaClient,
  },
};

/**
 * The settings when updating an existing service: whatever is not given keeps its current value
 * (so a re-run with --yes changes nothing), and prompts offer the current values.
 */
export function appSettingsFor(current: ServiceModel | undefined): Settings<AppAnswers> {
  if (!current) return appSettings;
  const { development, test, production } = current.environments;
  const values: Record<keyof AppAnswers, string> = {
    name: current.name,
    description: current.description,
    port: String(current.port),
    developmentBrokers: development.brokers.join(','),
    developmentRegistryUrl: development.schemaRegistryUrl,
    testBrokers: test.brokers.join(','),
    testRegistryUrl: test.schemaRegistryUrl,
    productionBrokers: production.brokers.join(','),
    productionRegistryUrl: production.schemaRegistryUrl,
    schemaFormat: current.schemaFormat,
    compatibility: current.compatibility,
    database: current.database ?? 'none',
    kafkaClient: kafkaClientOf(current),
  };
  return Object.fromEntries(
    Object.entries(appSettings).map(([key, setting]) => [key, { ...setting, default: () => values[key as keyof AppAnswers] }]),
  ) as unknown as Settings<AppAnswers>;
}

export { ENVIRONMENTS };
