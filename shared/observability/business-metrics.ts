import type { BusinessEvent, BusinessEvents } from '../domain/business-events';
import { logger } from './logger';
import { SERVICE_NAME, metricOf, type MetricPoint } from './metric-names';

// Read once per cold start, like the rest of the configuration. Without a namespace (unit and
// integration tests, tools) nothing is published: metrics would only be noise on stdout there.
const namespace = process.env.POWERTOOLS_METRICS_NAMESPACE || undefined;
const service = process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME;

/**
 * The CloudWatch Embedded Metric Format line of one count: the metric's definition under `_aws`,
 * its value and dimension values at the top level. Every point carries the `service` dimension
 * (as Powertools' did, which the dashboard and alarms read) and at most one of its own.
 */
export function embeddedMetricLine(point: MetricPoint, at: number, metricNamespace: string, serviceName = service): string {
  const dimensions = point.dimension ? ['service', point.dimension.name] : ['service'];
  return JSON.stringify({
    _aws: { Timestamp: at, CloudWatchMetrics: [{ Namespace: metricNamespace, Dimensions: [dimensions], Metrics: [{ Name: point.name, Unit: 'Count' }] }] },
    service: serviceName,
    ...(point.dimension ? { [point.dimension.name]: point.dimension.value } : {}),
    [point.name]: 1,
  });
}

/**
 * Publishes one count now, as its own EMF line on stdout (Lambda ships it to CloudWatch Logs,
 * which extracts the metric): no buffer to flush at the end of an invocation, and each point may
 * carry its own dimension. Written to `process.stdout` itself, not through `console`, which the
 * Lambda runtime prefixes with a timestamp and request id that CloudWatch would not parse. Written
 * here rather than by Powertools Metrics: one documented line per count needs none of its
 * buffering, and it weighed 12 KiB in every function (docs/performance.md, bundles).
 * Never throws: counting must not fail the work it counts.
 */
export function countMetric(point: MetricPoint): void {
  if (!namespace) return;
  try {
    process.stdout.write(`${embeddedMetricLine(point, Date.now(), namespace)}\n`);
  } catch (error) {
    logger.warn('metric not published', { metric: point.name, errorName: (error as Error).name });
  }
}

/** The domain's `BusinessEvents` port on CloudWatch metrics (see `metric-names.ts`). */
export const businessMetrics: BusinessEvents = {
  record(event: BusinessEvent) {
    countMetric(metricOf(event));
  },
};
