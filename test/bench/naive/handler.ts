/**
 * The naive build the cold-start figures compare against: a comparable API handler written the
 * common way — the three SDK clients created at module scope, Middy, classic `zod` — bundled by
 * `cold-start.ts` into one minified CommonJS file with the SDK inside (esbuild's defaults for
 * Node otherwise, which pick each package's CommonJS build): about 1.1 MB. It is never deployed.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { SFNClient } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import { z } from 'zod';

const dynamoDb = new DynamoDBClient({});
export const ses = new SESClient({});
export const sfn = new SFNClient({});

const body = z.object({ activationToken: z.string().regex(/^[A-Za-z0-9_-]{65}$/) });

export const handler = middy(async (event: { body: string }) => {
  const { activationToken } = body.parse(JSON.parse(event.body));
  const { Item } = await dynamoDb.send(
    new GetItemCommand({ TableName: process.env.TABLE_NAME, Key: { pk: { S: `ACTIVATION#${activationToken.slice(0, 22)}` }, sk: { S: 'ACTIVATION' } } }),
  );
  return { statusCode: Item ? 200 : 404, body: JSON.stringify(Item ? unmarshall(Item) : {}) };
});
