/**
 * Fault-injection campaign, shard a (see test-support/reliability-campaign.ts).
 * Reproduce one trial: RELIABILITY_TRIAL=<seed> npm run test:reliability -- fault-campaign-a
 */
import { campaignShard } from '../../test-support/reliability-campaign.js'

campaignShard(0, 'a')
