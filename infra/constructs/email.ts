import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import type { ServiceFunction } from './service-function';

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
 * The SES sender identity and the configuration set every email goes through. The set has no
 * event destinations, no custom tracking domain and VDM engagement tracking off: SES never
 * rewrites links or adds a pixel, so a token in a link is never copied into a tracking URL.
 */
export class Email extends Construct {
  readonly identity: ses.EmailIdentity;
  readonly configurationSet: ses.ConfigurationSet;
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
   * Lets a function send email from the sender identity through the configuration set (SES
   * authorizes both resources), and gives it the email settings of `shared/config.ts`.
   */
  grantSend(fn: ServiceFunction): void {
    const configurationSetArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [this.identity.emailIdentityArn, configurationSetArn],
      }),
    );
    fn.addEnvironment('PORTAL_URL', this.props.portalUrl);
    fn.addEnvironment('SENDER_EMAIL', this.props.senderEmail);
    fn.addEnvironment('CUSTOMER_SERVICE_PHONE', this.props.customerServicePhone);
    fn.addEnvironment('SES_CONFIGURATION_SET', this.configurationSet.configurationSetName);
  }
}
