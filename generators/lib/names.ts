/** Name conversions used by the model and the templates. */

function words(value: string): string[] {
  return value
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '');
}

export function kebabCase(value: string): string {
  return words(value)
    .map((word) => word.toLowerCase())
    .join('-');
}

export function pascalCase(value: string): string {
  return words(value)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/** The first word in lower case, a leading acronym included: `HTTPRequestMade` → `httpRequestMade`. */
export function camelCase(value: string): string {
  const [first = '', ...rest] = words(value);
  return first.toLowerCase() + pascalCase(rest.join(' '));
}

export function constantCase(value: string): string {
  return words(value)
    .map((word) => word.toUpperCase())
    .join('_');
}
