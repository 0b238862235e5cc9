/** Reading `.yo-rc.json`: the model under the generator's namespace, checked as a whole. */
import { validateDatabase } from '../database.js';
import { validateKafkaClient } from '../kafka-client.js';
import { formatFields, parseFields, validateKey } from './fields.js';
import { checkModelShape } from './model-schema.js';
import { checkRecordGraph, recordNames } from './records.js';
import { ENVIRONMENTS, GENERATOR_NAMESPACE, MODEL_VERSION, UserInputError, type EventingModel } from './types.js';
import {
  parseBrokers,
  validateAvroNamespace,
  validateCompatibility,
  validateEventName,
  validatePort,
  validateRegistryUrl,
  validateSchemaFormat,
  validateServiceName,
  validateTopic,
} from './validation.js';

/** Reads the model out of the raw `.yo-rc.json` text, with one clear error for anything that is off. */
export function parseModelFile(text: string | undefined, fileLabel = '.yo-rc.json'): EventingModel {
  if (text === undefined) {
    throw new UserInputError(`No ${fileLabel} here: run this inside a service made by "yo kafka-eventing" (or create one with it first).`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${fileLabel} is not valid JSON (${(error as Error).message}): fix or restore it.`);
  }
  const section = isRecord(parsed) ? parsed[GENERATOR_NAMESPACE] : undefined;
  if (!isRecord(section) || !isRecord(section.service)) {
    throw new UserInputError(`${fileLabel} has no "${GENERATOR_NAMESPACE}" model: run this inside a service made by "yo kafka-eventing".`);
  }
  if (section.modelVersion !== MODEL_VERSION) {
    throw new UserInputError(`${fileLabel} holds model version ${String(section.modelVersion)}, this generator reads version ${MODEL_VERSION}.`);
  }
  checkModelShape(section, fileLabel);
  return checkModel(section, fileLabel);
}

function checkModel(model: EventingModel, fileLabel: string): EventingModel {
  const where = (path: string) => `${fileLabel}: ${GENERATOR_NAMESPACE}.${path}`;
  try {
    validateServiceName(model.service.name);
    validatePort(model.service.port);
    validateSchemaFormat(model.service.schemaFormat);
    validateCompatibility(model.service.compatibility);
    if (model.service.avroNamespace !== undefined) validateAvroNamespace(model.service.avroNamespace);
    if (model.service.database !== undefined && validateDatabase(model.service.database) === 'none') {
      throw new UserInputError('"database" is "none": leave it out instead');
    }
    if (model.service.kafkaClient !== undefined) validateKafkaClient(model.service.kafkaClient);
    for (const env of ENVIRONMENTS) {
      const settings = model.service.environments?.[env];
      if (!settings) throw new UserInputError(`environment "${env}" is missing`);
      parseBrokers(settings.brokers);
      validateRegistryUrl(settings.schemaRegistryUrl);
    }
    if (!Array.isArray(model.events) || !Array.isArray(model.subscriptions)) {
      throw new UserInputError('"events" and "subscriptions" must be lists');
    }
    for (const record of model.types ?? []) {
      validateEventName(record.name);
      parseFields(formatFields(record.fields), recordNames(model));
    }
    checkRecordGraph(model);
    for (const event of model.events) {
      validateEventName(event.name);
      validateTopic(event.topic);
      parseFields(formatFields(event.fields), recordNames(model));
      validateKey(event.key, event.fields);
    }
    for (const subscription of model.subscriptions) {
      if (!model.events.some((event) => event.name === subscription.event)) {
        throw new UserInputError(`subscription "${subscription.name}" names unknown event "${subscription.event}"`);
      }
      if (subscription.handlerName !== undefined) validateEventName(subscription.handlerName);
      if (subscription.batch !== undefined && subscription.batch !== true) {
        throw new UserInputError(`subscription "${subscription.name}": "batch" is true or absent, not ${JSON.stringify(subscription.batch)}`);
      }
    }
  } catch (error) {
    if (error instanceof UserInputError) {
      throw new UserInputError(`${where('')} is not a valid model: ${error.message}`);
    }
    throw new UserInputError(`${where('')} is not a valid model: ${(error as Error).message}`);
  }
  return model;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
