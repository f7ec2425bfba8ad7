import type { ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import {
  ChoicePrompt,
  ConfirmPrompt,
  DialogSet,
  DialogState,
  DialogTurnResult,
  DialogTurnStatus,
  FoundChoice,
  ListStyle,
  PromptValidatorContext,
  TextPrompt,
  WaterfallDialog,
  WaterfallStepContext,
} from 'botbuilder-dialogs';
import { inertText } from '../../cards/inertText';
import { InputField, RequestInput, validateRequestInput } from '../../domain/addressRequests';
import type { Clock } from '../../ports/clock';

/**
 * `request` typed in a personal chat: a short guided chat (botbuilder-dialogs) for people who type. The
 * account name (checked by the same rules as the form and the API), the environment, an optional purpose,
 * then a summary to confirm. Its state lives in botbuilder's ConversationState on our store, so an answer
 * given after a restart continues where it was; `cancel` leaves at any point; after
 * GUIDED_REQUEST_IDLE_MINUTES without an answer it is dropped. This is the one place that talks to
 * botbuilder-dialogs: it answers the bot what became of the message, and the bot submits a finished draft
 * the same way the typed command does.
 */

export const GUIDED_REQUEST_IDLE_MINUTES = 15;

export type GuidedOutcome =
  /** No guided chat waits in this conversation: handle the message as usual. */
  | { kind: 'none' }
  /** The message answered (or asked about) a prompt; what comes next has been sent. */
  | { kind: 'waiting' }
  /** Confirmed: submit it. */
  | { kind: 'finished'; input: RequestInput }
  /** Left with `cancel` or a "no" at the summary; the person has been told. */
  | { kind: 'stopped' }
  /** Dropped for being idle; the person has been told. Handle the message as usual if it is a command. */
  | { kind: 'expired' };

interface Draft {
  accountName?: string;
  environment?: string;
  purpose?: string;
}

const REQUEST = 'request';
const NAME = 'request.accountName';
const ENVIRONMENT = 'request.environment';
const PURPOSE = 'request.purpose';
const CONFIRM = 'request.confirm';

const LEAVE = /^(cancel|stop|quit|exit)$/i;
const SKIP = /^(skip|none|no|-|—)$/i;
const STOPPED = 'Stopped: nothing was requested. Type `request` whenever you want to start again.';

/**
 * Spellings of the same environment that are recognised as it; no other word is ever taken for an
 * environment (typing "staging" where staging is not configured is asked again, not read as nonprod).
 */
const SPELLINGS: Record<string, string[]> = {
  prod: ['production'],
  nonprod: ['non-prod', 'non prod', 'non-production', 'nonproduction'],
  sandbox: ['sand box'],
};

/** What the guided chat checks beyond the field rules: the configured environments, an account's address. */
export interface GuidedChecks {
  environments: readonly string[];
  /** The refusal when the account name already has an address (one root address per account). */
  accountTaken(accountName: string): Promise<{ problem: string } | undefined>;
}

export class GuidedRequest {
  private readonly dialogs: DialogSet;
  private readonly touchedAt: StatePropertyAccessor<string | undefined>;

  constructor(
    private readonly state: ConversationState,
    private readonly clock: Clock,
    checks: GuidedChecks,
  ) {
    this.touchedAt = state.createProperty<string | undefined>('guidedRequestTouchedAt');
    this.dialogs = new DialogSet(state.createProperty<DialogState>('dialogState'));
    this.dialogs.add(new TextPrompt(NAME, (prompt) => checkAccountName(prompt, checks)));
    const environment = new ChoicePrompt(ENVIRONMENT, undefined, 'en-us');
    // Exact values only: the recognizer's fuzzy matching would take "stage" for a configured "staging".
    environment.recognizerOptions = {
      recognizeOrdinals: false,
      recognizeNumbers: true,
      allowPartialMatches: false,
    };
    this.dialogs.add(environment);
    this.dialogs.add(new TextPrompt(PURPOSE, checkPurpose));
    const confirm = new ConfirmPrompt(CONFIRM, undefined, 'en-us');
    // Yes/No in English whatever the client's locale; typed yes/no, y/n, ok, 1/2 are recognised too.
    confirm.confirmChoices = ['Yes', 'No'];
    confirm.style = ListStyle.inline;
    this.dialogs.add(confirm);
    this.dialogs.add(
      new WaterfallDialog(REQUEST, [
        askName,
        (step) => askEnvironment(step, checks.environments),
        askPurpose,
        askToConfirm,
        (step) => finish(step, checks.environments),
      ]),
    );
  }

  /** Starts (or starts over) the guided chat in this conversation. */
  async begin(turn: TurnContext): Promise<GuidedOutcome> {
    const dc = await this.dialogs.createContext(turn);
    await dc.cancelAllDialogs();
    return this.after(turn, await dc.beginDialog(REQUEST));
  }

  /** Gives the message to the guided chat waiting in this conversation, if any. */
  async continue(turn: TurnContext): Promise<GuidedOutcome> {
    const dc = await this.dialogs.createContext(turn);
    if (!dc.activeDialog) return { kind: 'none' };
    const touchedAt = await this.touchedAt.get(turn);
    const idleMs = touchedAt ? this.clock.now().getTime() - Date.parse(touchedAt) : 0;
    if (idleMs > GUIDED_REQUEST_IDLE_MINUTES * 60_000) {
      await this.state.delete(turn);
      await turn.sendActivity(
        `Your unfinished request from ${GUIDED_REQUEST_IDLE_MINUTES}+ minutes ago was dropped; nothing was requested. ` +
          'Type `request` to start again.',
      );
      return { kind: 'expired' };
    }
    const text = (turn.activity.text ?? '').trim();
    if (LEAVE.test(text)) {
      await this.state.delete(turn);
      await turn.sendActivity(STOPPED);
      return { kind: 'stopped' };
    }
    if (/^request$/i.test(text)) return this.begin(turn);
    if (/^request\s+form$|^cancel\s+req-[0-9a-f]+$/i.test(text)) {
      // `request form` or `cancel <request-id>`: commands, never an answer; the draft goes. (Anything else is
      // an answer: a purpose may well start with "request".)
      await this.state.delete(turn);
      return { kind: 'none' };
    }
    if (/^(help|\?)$/i.test(text)) {
      await turn.sendActivity(
        'I am asking for the details of a new root e-mail address, one question at a time. Answer the ' +
          'question below, or type `cancel` to stop (then `help` shows everything I can do).',
      );
      await dc.repromptDialog();
      return this.after(turn, { status: DialogTurnStatus.waiting });
    }
    return this.after(turn, await dc.continueDialog());
  }

  private async after(turn: TurnContext, result: DialogTurnResult): Promise<GuidedOutcome> {
    if (result.status === DialogTurnStatus.complete || result.status === DialogTurnStatus.cancelled) {
      await this.state.delete(turn);
      return result.result ? { kind: 'finished', input: result.result as RequestInput } : { kind: 'stopped' };
    }
    await this.touchedAt.set(turn, this.clock.now().toISOString());
    await this.state.saveChanges(turn);
    return { kind: 'waiting' };
  }
}

async function askName(step: WaterfallStepContext) {
  return step.prompt(NAME, {
    prompt:
      'Let’s ask for a root e-mail address for a new AWS account. What is the account called? ' +
      'Letters, digits and hyphens, e.g. `payments-prod`. (Type `cancel` to stop at any point.)',
  });
}

async function askEnvironment(step: WaterfallStepContext, environments: readonly string[]) {
  const draft = draftOf(step);
  draft.accountName = String(step.result).trim().toLowerCase();
  return step.prompt(ENVIRONMENT, {
    prompt: `Which environment is ${draft.accountName} for?`,
    retryPrompt: `That is not one of the environments here. Choose ${environments.join(', ')} (or type \`cancel\`).`,
    choices: environments.map((value) => ({ value, synonyms: SPELLINGS[value] ?? [] })),
    // Choices as text, answered by typing: hero-card buttons (imBack) do not work in the Agents Playground,
    // and this chat is for people who type; the form card (`request form`) is for those who click.
    style: ListStyle.inline,
  });
}

async function askPurpose(step: WaterfallStepContext) {
  draftOf(step).environment = (step.result as FoundChoice).value;
  return step.prompt(PURPOSE, {
    prompt: 'What is it for? One line for your approver, or `skip`.',
  });
}

async function askToConfirm(step: WaterfallStepContext) {
  const typed = String(step.result).trim();
  const draft = draftOf(step);
  draft.purpose = SKIP.test(typed) ? undefined : typed;
  const { accountName, environment, purpose } = draft;
  return step.prompt(CONFIRM, {
    prompt:
      `Ask for a root e-mail address for ${accountName} (${environment})` +
      `${purpose ? `, purpose “${inertText(purpose, 500)}”` : ', no purpose given'}? ` +
      'Your approver gets it to decide.',
    retryPrompt: 'Please answer Yes or No (or type `cancel`).',
  });
}

async function finish(step: WaterfallStepContext, environments: readonly string[]) {
  if (step.result !== true) {
    await step.context.sendActivity(STOPPED);
    return step.endDialog();
  }
  const checked = validateRequestInput(draftOf(step), environments);
  // Every part was checked on its way in; a draft that still fails would be a bug, so say so plainly.
  if (!checked.ok) {
    await step.context.sendActivity(
      `${Object.values(checked.errors).join(' ')} Type \`request\` to start again.`,
    );
    return step.endDialog();
  }
  return step.endDialog(checked.value);
}

/** The answers so far, kept in the waterfall's own state (and so in ConversationState). */
function draftOf(step: WaterfallStepContext): Draft {
  return step.values as Draft;
}

/**
 * The account-name prompt re-asks with the domain rule's own words until the name passes, and says at
 * once when the account already has its address (rather than after the summary).
 */
async function checkAccountName(
  prompt: PromptValidatorContext<string>,
  checks: GuidedChecks,
): Promise<boolean> {
  const problem =
    problemWith(prompt, 'accountName') ??
    (await checks.accountTaken(String(prompt.recognized.value ?? '').trim()))?.problem;
  if (problem) prompt.options.retryPrompt = `${problem} Type another name, or \`cancel\` to stop.`;
  return !problem;
}

async function checkPurpose(prompt: PromptValidatorContext<string>): Promise<boolean> {
  const problem = problemWith(prompt, 'purpose');
  if (problem) prompt.options.retryPrompt = `${problem} Type a shorter one, or \`skip\`.`;
  return !problem;
}

/** What the domain rule says about the one field a prompt asks for (the other fields are not asked yet). */
function problemWith(prompt: PromptValidatorContext<string>, field: InputField): string | undefined {
  const typed = prompt.recognized.succeeded ? (prompt.recognized.value ?? '') : '';
  const checked = validateRequestInput({ [field]: typed });
  return checked.ok ? undefined : checked.errors[field];
}
