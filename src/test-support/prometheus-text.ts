/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for tests: every line must be a HELP, a
 * TYPE or a sample of a family declared before it, or the parse throws naming the line.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE}`;
const SAMPLE = new RegExp(`^(${NAME})(\\{(?:${LABEL})(?:,${LABEL})*,?\\})? (-?[0-9.eE+-]+|[+-]?Inf|NaN)( -?[0-9]+)?$`, 'i');
const ONE_LABEL = new RegExp(`([a-zA-Z_][a-zA-Z0-9_]*)=(${LABEL_VALUE})`, 'g');
const SUFFIXES: Record<MetricFamily['type'], readonly string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

/** A sample's value: a float, or (in any case, as Prometheus reads them) NaN, +Inf, -Inf. */
function parseValue(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`Not a number: ${text}`);
  return value;
}

export class MetricsText {
  readonly families = new Map<string, MetricFamily>();

  constructor(text: string) {
    const helps = new Map<string, string>();
    text.split('\n').forEach((line, index) => {
      const where = `line ${index + 1}: ${JSON.stringify(line)}`;
      if (line === '') return;
      const help = HELP.exec(line);
      if (help) {
        helps.set(help[1] as string, help[2] as string);
        return;
      }
      const type = TYPE.exec(line);
      if (type) {
        const name = type[1] as string;
        if (this.families.has(name)) throw new Error(`TYPE given twice, ${where}`);
        this.families.set(name, { name, help: helps.get(name) ?? '', type: type[2] as MetricFamily['type'], samples: [] });
        return;
      }
      if (line.startsWith('#')) throw new Error(`Not a HELP or TYPE comment, ${where}`);
      const sample = SAMPLE.exec(line);
      if (!sample) throw new Error(`Not a sample, ${where}`);
      const name = sample[1] as string;
      const family = this.#familyOf(name);
      if (!family) throw new Error(`Sample of an undeclared metric, ${where}`);
      const labels: Record<string, string> = {};
      for (const [, key, raw] of (sample[2] ?? '').matchAll(ONE_LABEL)) {
        if ((key as string) in labels) throw new Error(`Label ${key} twice, ${where}`);
        labels[key as string] = JSON.parse(raw as string) as string;
      }
      family.samples.push({ name, labels, value: parseValue(sample[3] as string) });
    });
    for (const family of this.families.values()) if (family.help === '') throw new Error(`${family.name} has no HELP`);
  }

  /** The value of the sample with exactly these labels; undefined when there is none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const family = this.#familyOf(name);
    const wanted = JSON.stringify(Object.entries(labels).sort());
    return family?.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted)?.value;
  }

  /** Every sample of a metric name. */
  samples(name: string): Sample[] {
    return (this.#familyOf(name)?.samples ?? []).filter((s) => s.name === name);
  }

  #familyOf(sampleName: string): MetricFamily | undefined {
    for (const [name, family] of this.families) {
      if (SUFFIXES[family.type].some((suffix) => sampleName === name + suffix)) return family;
    }
    return undefined;
  }
}
