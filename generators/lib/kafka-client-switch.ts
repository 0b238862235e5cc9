/**
 * A re-run with another --kafka-client: the previous client's folder leaves the service (each file
 * only while nobody edited it since its last rendering, see retire.ts). Its package leaves package.json
 * through the three-way merge (json-files.ts).
 */
import type Generator from 'yeoman-generator';
import { clientOwnedFiles, kafkaClientOf } from './kafka-client.js';
import type { EventingModel } from './model.js';
import { emptyRetired, retireOwnedFile, type Retired } from './retire.js';

export function retireKafkaClient(generator: Generator, previous: EventingModel, model: EventingModel): Retired {
  const retired = emptyRetired();
  const before = kafkaClientOf(previous.service);
  if (before === kafkaClientOf(model.service)) return retired;
  for (const file of clientOwnedFiles(before)) retireOwnedFile(generator, file, previous.renderedFiles?.[file], retired);
  return retired;
}
