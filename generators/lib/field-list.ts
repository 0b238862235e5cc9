/** Splits a field list at its top-level commas: `m:map<string,int>` or `t:tuple(a,b)` stay one entry. */
export function splitFieldList(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if ('<[({'.includes(char)) depth++;
    else if ('>])}'.includes(char)) depth = Math.max(0, depth - 1);
    if (char === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current.trim());
  return parts;
}
