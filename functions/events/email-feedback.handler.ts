import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { emailFeedbackHandler } from '../../shared/events/email-feedback-handler';
import { businessMetrics } from '../../shared/observability/business-metrics';

const deps = { audit: adapters.audit(), suppressions: adapters.suppressionList(), clock: systemClock, events: businessMetrics };

/** SNS email feedback topic: permanent bounces and complaints suppress the address and go in the account's history. */
export const handler = emailFeedbackHandler(deps);
