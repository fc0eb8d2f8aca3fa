import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onCleanup } from './cleanup';
import { freePort } from './free-port';
import { httpGet } from './http-get';
import { spawnProcess, type Spawned } from './processes';

/** A scrape target: a job name and the `host:port` of its /metrics. */
export interface ScrapeTarget {
  readonly job: string;
  readonly address: string;
}

/** One series of an instant query's answer: its labels and its value. */
export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

const READY_BUDGET_MS = 30_000;
const POLL_MS = 200;

/**
 * A real Prometheus (Debian's `prometheus`), in the foreground on a free loopback port with
 * a generated config that scrapes `targets` every second, its data in a temporary directory;
 * stopped and removed after the test.
 */
export class Prometheus {
  readonly url: string;
  readonly process: Spawned;

  private constructor(url: string, spawned: Spawned) {
    this.url = url;
    this.process = spawned;
  }

  static async start(targets: readonly ScrapeTarget[]): Promise<Prometheus> {
    const dir = mkdtempSync(path.join(tmpdir(), 'netlab-prometheus-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const config = path.join(dir, 'prometheus.yml');
    writeFileSync(config, scrapeConfig(targets));
    // Prometheus cannot be told to take port 0.
    const port = await freePort('tcp');
    const spawned = spawnProcess('prometheus', [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ]);
    onCleanup(() => spawned.stop('SIGTERM'));
    const prometheus = new Prometheus(`http://127.0.0.1:${port}`, spawned);
    await prometheus.#waitUntilReady();
    return prometheus;
  }

  /** An instant query (PromQL) through the HTTP API: its series. */
  async query(promql: string): Promise<Sample[]> {
    const response = await httpGet(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const answer = JSON.parse(response.body) as {
      status: string;
      error?: string;
      data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (answer.status !== 'success') throw new Error(`query ${promql} failed: ${answer.error}`);
    return (answer.data?.result ?? []).map(({ metric, value }) => ({
      metric,
      value: Number(value[1]),
    }));
  }

  /**
   * Polls `promql` until `accept` holds for its series (scrapes come every second), or fails
   * after `budgetMs` with the last answer.
   */
  async waitFor(
    promql: string,
    accept: (samples: Sample[]) => boolean,
    budgetMs = 30_000,
  ): Promise<Sample[]> {
    const deadline = Date.now() + budgetMs;
    let last: Sample[] = [];
    while (Date.now() < deadline) {
      last = await this.query(promql);
      if (accept(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(`${promql}: still ${JSON.stringify(last)} after ${budgetMs} ms`);
  }

  async #waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_BUDGET_MS;
    while (Date.now() < deadline) {
      const exited = this.process.child.exitCode !== null;
      if (exited) throw new Error(`prometheus exited: ${this.process.output.stderr}`);
      const ready = await httpGet(`${this.url}/-/ready`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(
      `prometheus not ready within ${READY_BUDGET_MS} ms: ${this.process.output.stderr}`,
    );
  }
}

function scrapeConfig(targets: readonly ScrapeTarget[]): string {
  const jobs = targets.map(
    ({ job, address }) =>
      `  - job_name: ${JSON.stringify(job)}\n    static_configs:\n      - targets: [${JSON.stringify(address)}]\n`,
  );
  return `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${jobs.join('')}`;
}
