// The slice of autocannon's API the API benchmark uses (the package ships no types).
declare module 'autocannon' {
  interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p99: number;
    max: number;
  }
  interface Result {
    requests: Histogram & { total: number };
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    workers?: number;
    headers?: Record<string, string>;
    pipelining?: number;
    /** In worker mode, the absolute path of a CommonJS module exporting `(client) => void`. */
    setupClient?: string;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
