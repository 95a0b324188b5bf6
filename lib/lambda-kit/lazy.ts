/**
 * Lazy wiring: a cold start builds only what the invocation needs. `once(build)` builds a
 * value on first use; `lazy(build)` builds a handler on its first invocation (an HTTP
 * request never builds the consumer stack, and the reverse).
 */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

export function lazy<A extends unknown[], R>(build: () => (...args: A) => R): (...args: A) => R {
  const get = once(build);
  return (...args: A) => get()(...args);
}
