/**
 * The eventing model: everything the generator knows about a service, kept in `.yo-rc.json`
 * under the generator's namespace. Generators validate input, change the model and re-render.
 */
export * from './model/types.js';
export * from './model/validation.js';
export * from './model/fields.js';
export * from './model/changes.js';
export * from './model/model-file.js';
export * from './model/records.js';
export * from './model/evolution.js';
