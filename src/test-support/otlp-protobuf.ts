/**
 * Reads an OTLP ExportTraceServiceRequest sent as protobuf (`application/x-protobuf`, the OTLP/HTTP default)
 * into the same shape as its OTLP/JSON form, so a test's collector can check either. A small reader of the
 * protobuf wire format covering the fields of opentelemetry/proto/trace/v1 and common/v1 that tests look at.
 */

type Fields = Map<number, Array<bigint | Buffer>>;

/** Splits one message into its fields: varints and fixed64 as bigint, length-delimited as bytes; fixed32 skipped. */
function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let at = 0;
  const varint = (): bigint => {
    let value = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[at++];
      if (byte === undefined) throw new Error('truncated protobuf varint');
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7n;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    let value: bigint | Buffer;
    switch (key & 7) {
      case 0:
        value = varint();
        break;
      case 1:
        value = buf.readBigUInt64LE(at);
        at += 8;
        break;
      case 2: {
        const length = Number(varint());
        value = buf.subarray(at, at + length);
        at += length;
        break;
      }
      case 5:
        at += 4;
        continue;
      default:
        throw new Error(`unsupported protobuf wire type ${key & 7}`);
    }
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const bytes = (f: Fields, n: number): Buffer[] => (f.get(n) ?? []).filter((v): v is Buffer => Buffer.isBuffer(v));
const first = (f: Fields, n: number): Buffer | undefined => bytes(f, n)[0];
const text = (f: Fields, n: number): string | undefined => first(f, n)?.toString('utf8');
const number = (f: Fields, n: number): bigint | undefined => (f.get(n) ?? []).find((v): v is bigint => typeof v === 'bigint');

interface AnyValueJson {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values: AnyValueJson[] };
}

/** common.v1.AnyValue: 1 string, 2 bool, 3 int64, 4 double, 5 array. */
function anyValue(buf: Buffer): AnyValueJson {
  const f = fields(buf);
  if (f.has(1)) return { stringValue: text(f, 1) ?? '' };
  if (f.has(2)) return { boolValue: number(f, 2) === 1n };
  if (f.has(3)) return { intValue: BigInt.asIntN(64, number(f, 3) ?? 0n).toString() };
  if (f.has(4)) {
    const raw = Buffer.alloc(8);
    raw.writeBigUInt64LE(number(f, 4) ?? 0n);
    return { doubleValue: raw.readDoubleLE(0) };
  }
  const array = first(f, 5);
  if (array) return { arrayValue: { values: bytes(fields(array), 1).map(anyValue) } };
  return {};
}

/** common.v1.KeyValue: 1 key, 2 value. */
function keyValues(list: Buffer[]): Array<{ key: string; value: AnyValueJson }> {
  return list.map((kv) => {
    const f = fields(kv);
    const value = first(f, 2);
    return { key: text(f, 1) ?? '', value: value ? anyValue(value) : {} };
  });
}

/** trace.v1.Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 9 attributes, 15 status (3 code). */
function span(buf: Buffer) {
  const f = fields(buf);
  const status = first(f, 15);
  const parent = first(f, 4);
  return {
    traceId: first(f, 1)?.toString('hex') ?? '',
    spanId: first(f, 2)?.toString('hex') ?? '',
    ...(parent && parent.length > 0 ? { parentSpanId: parent.toString('hex') } : {}),
    name: text(f, 5) ?? '',
    kind: Number(number(f, 6) ?? 0n),
    attributes: keyValues(bytes(f, 9)),
    status: { code: status ? Number(number(fields(status), 3) ?? 0n) : 0 },
  };
}

/** collector.trace.v1.ExportTraceServiceRequest → its OTLP/JSON shape. */
export function decodeProtobufExport(body: Buffer) {
  return {
    resourceSpans: bytes(fields(body), 1).map((rsBuf) => {
      const rs = fields(rsBuf);
      const resource = first(rs, 1);
      return {
        resource: { attributes: resource ? keyValues(bytes(fields(resource), 1)) : [] },
        scopeSpans: bytes(rs, 2).map((ssBuf) => {
          const ss = fields(ssBuf);
          const scope = first(ss, 1);
          return { scope: { name: scope ? (text(fields(scope), 1) ?? '') : '' }, spans: bytes(ss, 2).map(span) };
        }),
      };
    }),
  };
}
