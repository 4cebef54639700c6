/** A property of a wrapped object, its methods bound to it (they may use private fields a Proxy doesn't have). */
export function bound(target: object, prop: string | symbol, receiver: unknown): unknown {
  const value: unknown = Reflect.get(target, prop, receiver);
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}
