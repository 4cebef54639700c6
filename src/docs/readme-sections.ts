import { SETTINGS, type SettingSpec } from '../config/settings.js';
import { ROLES, ROLE_IDS } from '../domain/roles.js';
import { inputJsonSchema, TOOLS } from '../tools/registry.js';

/** README sections generated from the registries, so the docs can't drift from the code. */
export const README_SECTIONS = {
  tools: toolsTable,
  settings: settingsTable,
  roles: rolesTable,
} as const;

function escape(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function toolsTable(): string {
  const rows = TOOLS.map((t) => {
    const schema = inputJsonSchema(t) as { properties?: Record<string, unknown>; required?: string[] };
    const required = new Set(schema.required ?? []);
    const params = Object.keys(schema.properties ?? {})
      .map((p) => (required.has(p) ? `\`${p}\`` : `\`${p}?\``))
      .join(', ');
    return `| \`${t.name}\` | ${params} | ${escape(t.description)} |`;
  });
  return ['| Tool | Arguments | What it does |', '|---|---|---|', ...rows].join('\n');
}

function settingsTable(): string {
  const rows = (SETTINGS as readonly SettingSpec[]).map((s) => `| \`${s.env}\` | \`${s.flag}\` | ${escape(s.defaultText)} | ${escape(s.help)}${s.formerEnv !== undefined ? ` (Formerly \`${s.formerEnv}\`, still read.)` : ''} |`);
  return ['| Variable | Flag | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

function rolesTable(): string {
  const rows = ROLE_IDS.map((id) => `| \`${id}\` | ${ROLES[id].summary} |`);
  return ['| Role | Specialty |', '|---|---|', ...rows].join('\n');
}

/** Replaces each `<!-- name:start -->…<!-- name:end -->` block of a README with its generated content. */
export function renderReadme(readme: string): string {
  let out = readme;
  for (const [name, render] of Object.entries(README_SECTIONS)) {
    const pattern = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`);
    if (!pattern.test(out)) throw new Error(`README has no <!-- ${name}:start --> ... <!-- ${name}:end --> block`);
    out = out.replace(pattern, (_m, start: string, end: string) => `${start}${render()}${end}`);
  }
  return out;
}
