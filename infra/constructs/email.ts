import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Data } from './data';
import { ServiceFunction, functionEntry } from './service-function';

export interface EmailProps {
  /** The From address of every email. */
  readonly senderEmail: string;
  /**
   * `email`: SES verifies the one address (a click in the email it sends after deployment).
   * `domain`: SES verifies the address's domain with Easy DKIM (publish the three CNAME records
   * in the stack outputs); any address of the domain can then send.
   */
  readonly senderIdentity: 'email' | 'domain';
  /** What the emails say and link to (shared/config.ts, email group). */
  readonly portalUrl: string;
  readonly customerServicePhone: string;
}

/**
 * What SES reports to `feedbackTopic`: mail that bounced, was reported as spam, was refused
 * before sending, or is delayed. Never opens or clicks: those need tracking (see `Email`).
 */
export const FEEDBACK_EVENTS: readonly ses.EmailSendingEvent[] = [
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.REJECT,
  ses.EmailSendingEvent.DELIVERY_DELAY,
];

/**
 * The SES sender identity and the configuration set every email goes through. The set has no
 * custom tracking domain and VDM engagement tracking off, and publishes no open or click events:
 * SES never rewrites links or adds a pixel, so a token in a link is never copied into a tracking
 * URL. Its one event destination sends bounces and complaints (`FEEDBACK_EVENTS`) to
 * `feedbackTopic`, for the function that records them on the account.
 */
export class Email extends Construct {
  readonly identity: ses.EmailIdentity;
  readonly configurationSet: ses.ConfigurationSet;
  /**
   * SES feedback (`FEEDBACK_EVENTS`) of every email the service sends. Messages name the
   * recipient: subscribe only what records them on the account, never a mailbox.
   */
  readonly feedbackTopic: sns.Topic;
  private readonly props: EmailProps;

  constructor(scope: Construct, id: string, props: EmailProps) {
    super(scope, id);
    this.props = props;

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      // Explicitly off here, whatever the account-level VDM settings say.
      vdmOptions: { engagementMetrics: false },
    });

    this.feedbackTopic = new sns.Topic(this, 'FeedbackTopic', { displayName: 'Registration email feedback (SES)', enforceSSL: true });
    // Adds the topic policy that lets SES publish for this configuration set only.
    this.configurationSet.addEventDestination('Feedback', {
      destination: ses.EventDestination.snsTopic(this.feedbackTopic),
      events: [...FEEDBACK_EVENTS],
    });

    const domain = props.senderEmail.slice(props.senderEmail.lastIndexOf('@') + 1);
    this.identity = new ses.EmailIdentity(this, 'Sender', {
      identity:
        props.senderIdentity === 'domain' ? ses.Identity.domain(domain) : ses.Identity.email(props.senderEmail),
      configurationSet: this.configurationSet,
    });

    if (props.senderIdentity === 'domain') {
      this.identity.dkimRecords.forEach((record, i) => {
        new CfnOutput(this, `DkimRecord${i + 1}`, {
          description: `Easy DKIM CNAME record ${i + 1} to publish in the DNS of ${domain}`,
          value: `${record.name} CNAME ${record.value}`,
        });
      });
    }
  }

  /**
   * Creates the function that records the feedback (`functions/events/email-feedback.handler.ts`)
   * and subscribes it to `feedbackTopic`: a permanent bounce or a complaint suppresses the address
   * (`SUPPRESSED#…`) and goes in the history of the account the email was about (`ACCOUNT#…`).
   */
  recordFeedback(data: Data): ServiceFunction {
    const fn = new ServiceFunction(this, 'EmailFeedbackFunction', {
      entry: functionEntry('events', 'email-feedback'),
      description: 'Records SES bounces and complaints: suppression list and account history',
      timeout: Duration.seconds(30),
    });
    data.grantTable(fn, { read: ['ACCOUNT', 'SUPPRESSED'], write: ['ACCOUNT', 'SUPPRESSED'] });
    this.feedbackTopic.addSubscription(new subscriptions.LambdaSubscription(fn.function));
    return fn;
  }

  /**
   * Lets a function send email (`SendEmail`, the only call `shared/adapters/ses-notifier.ts`
   * makes) from the sender address only, through the configuration set (SES authorizes both
   * resources), and gives it the email settings of `shared/config.ts`.
   */
  grantSend(fn: ServiceFunction): void {
    const configurationSetArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [this.identity.emailIdentityArn, configurationSetArn],
        // A domain identity would let any address of the domain send: only the sender's may.
        conditions: { StringEquals: { 'ses:FromAddress': this.props.senderEmail } },
      }),
    );
    fn.addEnvironment('PORTAL_URL', this.props.portalUrl);
    fn.addEnvironment('SENDER_EMAIL', this.props.senderEmail);
    fn.addEnvironment('CUSTOMER_SERVICE_PHONE', this.props.customerServicePhone);
    fn.addEnvironment('SES_CONFIGURATION_SET', this.configurationSet.configurationSetName);
  }
}
