import { beginPost, finishPost, StepBook } from '../../domain/workflowSteps';
import type { Logger } from '../../log/logger';
import { mayHaveBeenDelivered, PostedMessage } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import type { WorkflowDocuments } from './workflowDocuments';

/** How a post went: out (with where), perhaps out (never sent again), or certainly not (Teams refused). */
export type PostOutcome =
  { kind: 'sent'; posted: PostedMessage } | { kind: 'unknown' } | { kind: 'refused'; error: unknown };

/**
 * A workflow's new messages, each sent at most once. Teams takes no idempotency key and cannot be asked
 * whether a message went out, so each post is recorded on the workflow's document (PostRecord in
 * src/domain/workflowSteps.ts) before the call and after it; the record, not a guess, decides what a step
 * run again (after a crash, or a lease that lapsed) does.
 */
export class PostsOnce<Doc extends StepBook<string>> {
  constructor(
    private readonly documents: WorkflowDocuments<Doc>,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * Sends a new message at most once: marks `key` as `sending` on the document (etag), calls `send`, and
   * records `sent` with where it went, or `refused` when Teams certainly did not take it (it may then be sent
   * again). A key found `sending` (an earlier run died mid-call) or `sent` is not sent again.
   */
  async once(id: string, key: string, send: () => Promise<PostedMessage>): Promise<PostOutcome> {
    const { documents, clock, logger } = this;
    const fields = { workflow: documents.workflow, id, post: key };
    let earlier: ReturnType<typeof beginPost<Doc>> | undefined;
    await documents.update(id, (latest) => {
      earlier = beginPost(latest, key, clock.now());
      return 'send' in earlier ? earlier.send : undefined;
    });
    if (!earlier) throw new Error(`${documents.workflow} ${id} is gone`);
    if ('earlier' in earlier) {
      const { state, message } = earlier.earlier;
      if (state === 'sent' && message) return { kind: 'sent', posted: message };
      logger.warn(
        fields,
        'a post was interrupted before; it may have reached Teams, so it is not sent again',
      );
      return { kind: 'unknown' };
    }
    let posted: PostedMessage;
    try {
      posted = await send();
    } catch (error) {
      if (mayHaveBeenDelivered(error)) {
        logger.warn(
          { ...fields, err: error },
          'Teams may have taken this post despite the error; it is not sent again',
        );
        return { kind: 'unknown' };
      }
      await documents.update(id, (latest) => finishPost(latest, key, { state: 'refused' }, clock.now()));
      return { kind: 'refused', error };
    }
    await documents.update(id, (latest) =>
      finishPost(latest, key, { state: 'sent', message: posted }, clock.now()),
    );
    return { kind: 'sent', posted };
  }
}
