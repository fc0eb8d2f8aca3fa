/**
 * Fills `{{NAME}}` placeholders. Every placeholder in the template must have a value and
 * every value a placeholder, so a renamed placeholder fails loudly instead of leaving
 * `{{PORT}}` in a config the balancer then rejects with a less clear message.
 */
export function renderTemplate(template: string, values: Record<string, string | number>): string {
  const used = new Set<string>();
  const text = template.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`template placeholder {{${name}}} has no value`);
    used.add(name);
    return String(values[name]);
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`no placeholder for ${unused.join(', ')}`);
  return text;
}
