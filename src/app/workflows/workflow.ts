import type { StepBook } from '../../domain/workflowSteps';
import type { Stored } from '../../ports/documentStore';
import type { WorkflowDocuments } from './workflowDocuments';

/** A workflow's name, typed by its document, so a workflow waiting for it reads the right type. */
export type WorkflowName<Doc> = string & { readonly __document?: Doc };
export const workflowName = <Doc>(name: string): WorkflowName<Doc> => name as WorkflowName<Doc>;

/** How the document changes because of a step, applied to its latest version as the step completes. */
export type StepOutcome<Doc> = (latest: Doc) => Doc;

export interface StepContext<Hint> {
  /** 1 on the first try, 2 after one failure, … (a workflow may give up on a step after a few). */
  attempt: number;
  /** What the call that started this run knew (e.g. the card a click was answered on); none on a resume. */
  hint?: Hint;
}

/** A step that cannot finish yet (AWS has not completed a change): tried again later, logged quietly. */
export class NotYetError extends Error {}

/**
 * One durable workflow: its documents, how to perform each step, and optionally a timer and a wait for
 * another workflow. The runner (workflowRunner.ts) owns everything else: claiming a step by etag with a
 * lease it renews while the step runs, completing it, retrying with backoff, resuming on any instance,
 * firing timers and waking waiters. Every step must be safe to run again after a crash (an update, or a
 * post recorded at most once): a lease can lapse under a process that hung.
 */
export interface Workflow<Doc extends StepBook<Step>, Step extends string, Hint = never> {
  name: WorkflowName<Doc>;
  documents: WorkflowDocuments<Doc>;
  /**
   * Does one step's side effect and answers the change that follows. Throwing keeps the step pending for a
   * retry (first after `retry.firstMs`, doubling up to `retry.maxMs`, on whichever instance polls then).
   */
  perform(step: Step, doc: Stored<Doc>, context: StepContext<Hint>): Promise<StepOutcome<Doc>>;
  /**
   * A deadline or reminder kept on the document itself: when it is due is the documents' `timerAt` (pure);
   * it must move on (or go) once `fire` changed the document.
   */
  timer?: {
    /** The change a due timer makes (typically a state and steps), or undefined. */
    fire(doc: Doc, now: Date): Doc | undefined;
    /** After the change was stored, on the one instance whose write won (e.g. its audit event). */
    fired?(before: Doc, after: Doc): Promise<void>;
  };
  /** Waits for another workflow's instance to move on (declared, so the runner wakes it when that changes). */
  waitsFor?: WaitFor<Doc, never>;
  retry?: { firstMs: number; maxMs: number };
}

export interface WaitFor<Doc, Other> {
  workflow: WorkflowName<Other>;
  /** The instance this document waits for now; undefined when it waits for nothing. */
  on(doc: Doc): string | undefined;
  /** That instance as it is now (undefined: gone): the change that follows, or undefined to go on waiting. */
  resume(doc: Doc, other: Other | undefined, now: Date): Doc | undefined;
  /** After the change was stored (e.g. its audit event). */
  resumed?(before: Doc, after: Doc): Promise<void>;
}

/** Declares a wait with the other workflow's document type checked. */
export function waitFor<Doc, Other>(wait: WaitFor<Doc, Other>): WaitFor<Doc, never> {
  return wait as unknown as WaitFor<Doc, never>;
}
