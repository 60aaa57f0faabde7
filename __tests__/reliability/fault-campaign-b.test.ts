/**
 * Fault-injection campaign, shard b (see test-support/reliability-campaign.ts).
 * Reproduce one trial: RELIABILITY_TRIAL=<seed> npm run test:reliability -- fault-campaign-b
 */
import { campaignShard } from '../../test-support/reliability-campaign.js'

campaignShard(1, 'b')
