import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BusinessEvent, BusinessEvents } from '../domain/business-events';
import { logger } from '../http/logger';
import { metricOf, type MetricPoint } from './metric-names';

// Read once per cold start, like the rest of the configuration. Without a namespace (unit and
// integration tests, tools) nothing is published: metrics would only be noise on stdout there.
const namespace = process.env.POWERTOOLS_METRICS_NAMESPACE || undefined;
let metrics: Metrics | undefined;

/**
 * Publishes one count now, as its own CloudWatch Embedded Metric Format line on stdout (Lambda
 * ships it to CloudWatch Logs, which extracts the metric): no buffer to flush at the end of an
 * invocation, and each point may carry its own dimension. Never throws: counting must not fail
 * the work it counts.
 */
export function countMetric(point: MetricPoint): void {
  if (!namespace) return;
  try {
    metrics ??= new Metrics({ namespace, serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'registration' });
    const single = metrics.singleMetric();
    if (point.dimension) single.addDimension(point.dimension.name, point.dimension.value);
    single.addMetric(point.name, MetricUnit.Count, 1);
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
