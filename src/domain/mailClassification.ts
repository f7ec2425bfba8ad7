/**
 * What an incoming mail is, whether it is AWS's, and where it goes. Pure: takes the facts read from the mail and
 * returns a verdict. The parts live in ./mail/; this is the one entry the app imports.
 */
export {
  authenticationProblems,
  authservIdOf,
  boundaryResults,
  parseAuthenticationResults,
  TOPMOST,
  type AuthResult,
  type ReceivingBoundary,
} from './mail/authentication';
export {
  classifyRootMail,
  readContent,
  viewOf,
  type ClassifyOptions,
  type RootMailVerdict,
  type Secret,
  type Trust,
} from './mail/classifyRootMail';
export { CONTENT_RULES, ruleMatches, type ContentRule, type MailView } from './mail/contentRules';
export { isBulk, type MailFacts } from './mail/mailFacts';
export {
  isSecretKind,
  KIND_LABELS,
  SECRET_KINDS,
  type MailKind,
  type RootMailClass,
  type SecretKind,
} from './mail/mailKinds';
export {
  CLASS_ROUTING,
  DESTINATIONS,
  destinationOf,
  ROUTING_RULES,
  routingOf,
  goesToRootSession,
  type Destination,
  type OwnerStatus,
  type RoutingRule,
  type RoutingRuleId,
} from './mail/mailRouting';
export { ANNOUNCES_CODE, bodyText, findCode, htmlToText, linksOf } from './mail/mailText';
export {
  AWS_SENDER_DOMAINS,
  awsSenderDomains,
  displayNameClaimsAws,
  domainOf,
  isAligned,
  isAwsSender,
  isWithinDomains,
  looksLikeAwsDomain,
  organisationalDomain,
  senderDomainProblem,
} from './mail/senderDomains';
