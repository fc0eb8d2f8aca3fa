import type { Socket } from 'node:net';
import { FrameLimitError, NetlabError, type FrameCodec, type FrameDecoder } from '@netlab/protocol';
import {
  afterPendingIo,
  describeBytes,
  levelEnabled,
  LOG_EVENT,
  type Logger,
} from '@netlab/transport-core';
import {
  bulkStarted,
  framesObserved,
  handlingStarted,
  publishAnsweredInBulk,
  publishConnectionClosed,
  publishMessageHandled,
  publishMessageReceived,
  publishRepliesSent,
  timedAnswer,
} from './diagnostics';
import type { TcpLimits } from './limits';
import { refuse, SERVER_BUSY } from './refusal';
import {
  CLOSE_REASON,
  type CloseReason,
  type ConnectionInfo,
  type SessionConnection,
  type SessionHandler,
  type SessionOutcome,
  type SessionResult,
} from './session';

/** How a server makes the session of one connection (TcpServerOptions.createSession). */
export type CreateSession<T> = (
  info: ConnectionInfo,
  connection: SessionConnection<T>,
) => SessionHandler<T>;

/** What every connection of one server shares; built once by the server. */
export interface ServerContext<T> {
  readonly codec: FrameCodec<T>;
  readonly limits: TcpLimits;
  readonly logger: Logger;
  readonly dump: boolean;
  readonly errorFrame: ((message: string) => T) | undefined;
  /** Called once, after the socket closed and `Connection closed` was logged. */
  connectionClosed(connection: ServerConnection<T>): void;
}

export const CONNECTION_STATE = {
  /** Reading frames and answering them. */
  open: 'open',
  /** Our side is ended (or ending): input is discarded, the socket is waiting to close. */
  ending: 'ending',
  closed: 'closed',
} as const;
type ConnectionState = (typeof CONNECTION_STATE)[keyof typeof CONNECTION_STATE];

/** Where an answer handed to an asynchronous session stands. */
const ANSWER_STATE = { pending: 0, done: 1, failed: 2 } as const;
type AnswerState = (typeof ANSWER_STATE)[keyof typeof ANSWER_STATE];

/** One frame's answer from a session that returned a Promise, waiting for its turn to be written. */
interface InFlightAnswer<T> {
  state: AnswerState;
  /** The SessionResult once done; the error once failed. */
  value: SessionResult<T> | unknown;
}

/** What ended a round of answering early. */
const STOP = { none: 0, exit: 1, failed: 2 } as const;
type Stop = (typeof STOP)[keyof typeof STOP];

/** The one-line reply to a frame whose handler threw or rejected. */
export const SESSION_FAILED_NOTICE = 'Error: internal server error';

/**
 * One accepted socket and all of its state. The socket's listeners are shared by every
 * connection (an idle connection carries no closure of its own), and the per-read path
 * allocates only the replies array: decode, answer every complete frame,
 * then one write for all the replies of that read.
 *
 * A session may answer with a Promise. From the first one on, answers wait in `#inFlight`
 * (at most `maxInFlight`) in frame order, and each settled head of that list is written as
 * it comes; a synchronous session never touches it, so its path costs what it did.
 */
export class ServerConnection<T> {
  readonly info: ConnectionInfo;
  /** A `server busy` refusal: no session, not counted against maxConnections. */
  readonly refused: boolean;
  state: ConnectionState = CONNECTION_STATE.open;
  reason: CloseReason | undefined;
  /** Which limit closed it, where the reason alone does not say (`line deadline`, `stuck writer`). */
  detail: string | undefined;

  readonly #ctx: ServerContext<T>;
  readonly #socket: Socket;
  readonly #decoder: FrameDecoder<T>;
  #session: SessionHandler<T>;
  /** Logs this connection's messages with its fields bound once (made on the first message). */
  #messageLog: Logger | undefined;
  /**
   * When the server read the first byte of the unfinished line (performance.now()), or 0
   * when there is none; moved on by the time we did not read (see #readingResumed).
   */
  #lineStartedAt = 0;
  /** When we last stopped reading this client (see #readingPaused). */
  #pausedAt = 0;
  #stuckTimer: NodeJS.Timeout | undefined;
  /** The stuck timer fired: the verdict, given once pending I/O is done (afterPendingIo). */
  #stuckVerdict: NodeJS.Immediate | undefined;
  /**
   * The idle limit, judged by the server's sweep (see idleOverdue) rather than a timer per
   * socket (socket.setTimeout: a Timeout and a bound function, about 190 bytes a connection).
   * What the sweep last saw of the traffic: bytes read (-1 once we write) and bytes waiting
   * to be sent, and since when (performance.now()) they have not changed.
   */
  #seenRead = 0;
  #seenPending = 0;
  // Whole milliseconds, rounded up (never early): a small integer needs no heap number.
  #quietSince = Math.ceil(performance.now());
  #lingerTimer: NodeJS.Timeout | undefined;
  /**
   * Frames read and not answered yet: they wait while the client is behind on its replies.
   * NO_FRAMES (shared, never written to) while there are none.
   */
  #queue: T[] = NO_FRAMES;
  #queueHead = 0;
  /** The decoder's error (a frame over the limit), acted on once the frames before it are answered. */
  #breach: unknown;
  /** The client has half-closed: once the queue is answered, our side ends too. */
  #inputEnded = false;
  /** Reading is paused until what we already wrote has been handed to the kernel. */
  #awaitingFlush = false;
  /** The server is stopping: read no more, answer what is queued, then end our side. */
  #stopping = false;
  /**
   * Answers from asynchronous handling, in frame order; `#inFlightHead` is the next to write.
   * NO_ANSWERS (shared, never written to) until a frame is answered out of turn.
   */
  #inFlight: InFlightAnswer<T>[] = NO_ANSWERS;
  #inFlightHead = 0;
  /** Reading is paused because `maxInFlight` frames wait for their answers. */
  #awaitingAnswers = false;
  /** A closing or failed answer is in flight: no later frame is handed to the session. */
  #lastFrameHandled = false;

  /** Without a session the connection is a `server busy` refusal: told so, then closed. */
  constructor(
    ctx: ServerContext<T>,
    socket: Socket,
    info: ConnectionInfo,
    createSession: CreateSession<T> | undefined,
  ) {
    this.#ctx = ctx;
    this.#socket = socket;
    this.info = info;
    this.refused = !createSession;
    this.#decoder = ctx.codec.createDecoder();
    (socket as OwnedSocket)[OWNER] = this;
    socket.on('error', ServerConnection.#onError);
    socket.on('close', ServerConnection.#onClose);
    if (!createSession) {
      this.#session = NO_SESSION;
      this.state = CONNECTION_STATE.ending;
      this.reason = SERVER_BUSY.reason;
      this.detail = SERVER_BUSY.detail;
      refuse(socket, this.#notice(SERVER_BUSY.notice));
      return;
    }
    socket.on('data', ServerConnection.#onData);
    socket.on('end', ServerConnection.#onEnd);
    try {
      this.#session = createSession(info, this.#connection());
    } catch (error) {
      this.#session = NO_SESSION;
      this.#sessionFailed(error, []);
    }
  }

  /** What the session may do with its connection by itself: push frames, close it. */
  #connection(): SessionConnection<T> {
    return new SessionSide(this);
  }

  /** The session sends a frame by itself (SessionConnection.send). */
  pushForSession(frame: T): boolean {
    return this.#push(frame);
  }

  /** The session closes its connection (SessionConnection.close). */
  closeForSession(): void {
    this.#end(CLOSE_REASON.exit, 'session closed');
  }

  /**
   * Server shutdown: nothing more is read, but every frame already read is answered first.
   * A client behind on its replies may have many queued (reading is paused while it
   * catches up); they are answered as it reads, then our side ends and the replies drain.
   */
  shutdown(): void {
    this.#stopping = true;
    this.#answerQueued();
  }

  /** Past the grace period: close now, whatever is still unsent. */
  destroy(): void {
    this.reason ??= CLOSE_REASON.shutdown;
    this.#destroySocket();
  }

  /**
   * Closes the socket at once, and the connection with it: no frame is answered after this.
   * The socket's 'close' (which marks the connection closed) comes a loop turn later, and
   * before it Node still runs the callbacks of writes it dropped and emits input it had
   * read: were the connection still open, the first resumed reading and the second queued
   * frames, and every frame left was answered into the void, the stuck writer's 2,000
   * History replies of 60 kB among them.
   */
  #destroySocket(): void {
    if (this.state === CONNECTION_STATE.open) this.state = CONNECTION_STATE.ending;
    this.#socket.destroy();
  }

  // The socket's listeners are the same five functions for every connection, which find
  // their connection on the socket (OWNER): bound handlers cost each connection five
  // closures and their context, a sixth of what netlab kept per idle connection.
  static #onData(this: Socket, chunk: Buffer): void {
    (this as OwnedSocket)[OWNER].#dataReceived(chunk);
  }

  static #onEnd(this: Socket): void {
    (this as OwnedSocket)[OWNER].#inputEnd();
  }

  static #onError(this: Socket, error: NodeJS.ErrnoException): void {
    (this as OwnedSocket)[OWNER].#failed(error);
  }

  static #onClose(this: Socket): void {
    (this as OwnedSocket)[OWNER].#closed();
  }

  #dataReceived(chunk: Buffer): void {
    if (
      this.state !== CONNECTION_STATE.open ||
      this.#breach !== undefined ||
      this.#stopping ||
      this.#lastFrameHandled
    ) {
      return;
    }
    if (this.#answerInBulk(chunk)) return;
    let frames: T[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      this.#breach = error;
      frames = framesBefore(error);
    }
    this.#noteUnfinishedLine(frames.length > 0);
    this.#enqueue(frames);
    this.#answerQueued();
  }

  /**
   * The bulk path, for a chunk of whole plain-ASCII lines: the decoder gives it as one text,
   * the session answers it as one text, and that is one write, with no frame or reply
   * object per line. Only when nothing is queued, held or unwritten before it and nobody
   * watches single frames (no `info` log line per message, no dump, no diagnostics
   * subscriber); the session declines (a command, too much to write) with nothing changed.
   * Returns false to have the chunk decoded and answered frame by frame.
   */
  #answerInBulk(chunk: Buffer): boolean {
    const ctx = this.#ctx;
    const session = this.#session;
    const decoder = this.#decoder;
    if (session.answerText === undefined || decoder.wholeText === undefined) return false;
    if (this.#queueHead < this.#queue.length || this.#inFlightHead < this.#inFlight.length) {
      return false;
    }
    if (this.#socket.writableLength > 0 || this.#awaitingFlush || this.#awaitingAnswers) {
      return false;
    }
    if (levelEnabled(ctx.logger, 'info') || ctx.dump || framesObserved()) return false;
    const text = decoder.wholeText(chunk);
    if (text === undefined) return false;
    const startedAt = bulkStarted();
    let replies: string | undefined;
    try {
      replies = session.answerText(text, ctx.limits.maxPendingWriteBytes);
    } catch {
      return false; // the frame-by-frame path meets the same failure and reports it
    }
    if (replies === undefined) return false;
    publishAnsweredInBulk(this.info, text, replies, startedAt);
    this.#lineStartedAt = 0;
    if (replies.length > 0) this.#write(replies);
    if (this.#socket.writableLength > ctx.limits.maxPendingWriteBytes) this.#waitForFlush();
    return true;
  }

  #inputEnd(): void {
    if (this.state !== CONNECTION_STATE.open) return;
    this.#inputEnded = true;
    // Half-close: the client has sent its last line. An unfinished last line (no '\n')
    // is still a line to a codec that can flush, as to a netcat user.
    const decoder = this.#decoder as FrameDecoder<T> & { flush?(): T[] };
    if (
      this.#breach === undefined &&
      !this.#stopping &&
      !this.#lastFrameHandled &&
      typeof decoder.flush === 'function'
    ) {
      try {
        this.#enqueue(decoder.flush());
      } catch (error) {
        this.#breach = error;
      }
    }
    this.#answerQueued();
  }

  #enqueue(frames: T[]): void {
    if (this.#queueHead === this.#queue.length) {
      this.#queue = frames;
      this.#queueHead = 0;
    } else {
      for (const frame of frames) this.#queue.push(frame);
    }
  }

  /**
   * Answers queued frames and writes all their replies at once, then acts on a breach or
   * the client's end. Stops early, and stops reading, once the unsent reply bytes reach
   * maxPendingWriteBytes: a client that sends `History` a thousand times in one packet and
   * never reads must not make the server hold a thousand History replies. Stops early too,
   * and stops reading, once maxInFlight answers are awaited; each settled answer at the
   * head of the line brings it back here.
   */
  #answerQueued(): void {
    if (this.#awaitingFlush || this.state !== CONNECTION_STATE.open) return;
    const ctx = this.#ctx;
    const queue = this.#queue;
    const replies: T[] = [];
    let stop: Stop = STOP.none;
    let failure: unknown;
    let budget = ctx.limits.maxPendingWriteBytes - this.#socket.writableLength;

    // Settled answers at the head of the line go first, in order. They are already in
    // memory, so the write budget does not hold them back; it holds back new frames.
    const inFlight = this.#inFlight;
    while (this.#inFlightHead < inFlight.length) {
      const answer = inFlight[this.#inFlightHead];
      if (answer.state === ANSWER_STATE.pending) break;
      this.#inFlightHead++;
      if (answer.state === ANSWER_STATE.failed) {
        stop = STOP.failed;
        failure = answer.value;
        break;
      }
      const result = answer.value as SessionResult<T>;
      if (result.reply !== undefined) {
        replies.push(result.reply);
        budget -= replySize(result.reply);
      }
      if (result.close === true) {
        stop = STOP.exit;
        break;
      }
    }
    if (this.#inFlightHead === inFlight.length && inFlight.length > 0) {
      this.#inFlight = NO_ANSWERS;
      this.#inFlightHead = 0;
    }

    if (stop === STOP.none && this.#queueHead < queue.length && !this.#lastFrameHandled) {
      const logInfo = levelEnabled(ctx.logger, 'info');
      const dump = ctx.dump && levelEnabled(ctx.logger, 'debug');
      const maxInFlight = ctx.limits.maxInFlight;
      while (this.#queueHead < queue.length && budget > 0) {
        const awaited = this.#inFlight.length - this.#inFlightHead;
        if (awaited >= maxInFlight) break;
        const frame = queue[this.#queueHead++];
        if (logInfo) this.#logReceived(frame);
        if (dump) this.#dump('in', frame);
        publishMessageReceived(this.info, frame);
        const startedAt = handlingStarted();
        let outcome: SessionOutcome<T>;
        try {
          outcome = this.#session.handle(frame);
        } catch (error) {
          publishMessageHandled(this.info, startedAt, false);
          if (awaited === 0) {
            stop = STOP.failed;
            failure = error;
            break;
          }
          this.#inLine({ state: ANSWER_STATE.failed, value: error });
          this.#lastFrameHandled = true;
          break;
        }
        // The one check the synchronous path pays for asynchronous sessions.
        if (typeof (outcome as { then?: unknown } | undefined)?.then === 'function') {
          this.#await(timedAnswer(this.info, startedAt, outcome as PromiseLike<SessionResult<T>>));
          continue;
        }
        publishMessageHandled(this.info, startedAt);
        const result = (outcome as SessionResult<T> | undefined) ?? NO_RESULT;
        if (awaited > 0) {
          // Behind an answer still awaited: wait in line with it.
          this.#inLine({ state: ANSWER_STATE.done, value: result });
          if (result.close === true) {
            this.#lastFrameHandled = true;
            break;
          }
          continue;
        }
        if (result.reply !== undefined) {
          replies.push(result.reply);
          budget -= replySize(result.reply);
        }
        if (result.close === true) {
          stop = STOP.exit;
          break;
        }
      }
    }

    if (stop === STOP.failed) return this.#sessionFailed(failure, replies);
    const awaited = this.#inFlight.length - this.#inFlightHead;
    const framesLeft = this.#queueHead < queue.length && !this.#lastFrameHandled;
    if (stop === STOP.none && !framesLeft && awaited === 0 && this.#breach !== undefined) {
      if (ctx.errorFrame) replies.push(ctx.errorFrame(breachNotice(this.#breach)));
    }
    if (replies.length > 0) this.#write(this.#encode(replies));
    if (replies.length > 0) publishRepliesSent(this.info, replies.length);
    if (stop === STOP.exit) return this.#end(CLOSE_REASON.exit);
    const behind = this.#socket.writableLength > ctx.limits.maxPendingWriteBytes;
    if (behind || (framesLeft && budget <= 0)) return this.#waitForFlush();
    if (framesLeft) return this.#awaitAnswers();
    if (this.#awaitingAnswers) {
      this.#awaitingAnswers = false;
      this.#readingResumed();
    }
    if (!this.#lastFrameHandled) {
      this.#queue = NO_FRAMES;
      this.#queueHead = 0;
    }
    if (awaited > 0) return;
    if (this.#breach !== undefined) {
      return this.#end(CLOSE_REASON.lineTooLong, breachDetail(this.#breach));
    }
    if (this.#inputEnded) return this.#end(CLOSE_REASON.clientClosed);
    if (this.#stopping) return this.#end(CLOSE_REASON.shutdown);
  }

  /** Puts an asynchronous answer in line; when it settles at the head, it is written. */
  #await(promise: PromiseLike<SessionResult<T>>): void {
    const answer: InFlightAnswer<T> = { state: ANSWER_STATE.pending, value: undefined };
    this.#inLine(answer);
    promise.then(
      (result) => this.#settled(answer, ANSWER_STATE.done, result ?? NO_RESULT),
      (error: unknown) => this.#settled(answer, ANSWER_STATE.failed, error),
    );
  }

  /** Adds an answer at the end of the line, making the line on the first one. */
  #inLine(answer: InFlightAnswer<T>): void {
    if (this.#inFlight === NO_ANSWERS) this.#inFlight = [answer];
    else this.#inFlight.push(answer);
  }

  #settled(answer: InFlightAnswer<T>, state: AnswerState, value: unknown): void {
    answer.state = state;
    answer.value = value;
    // Only the head of the line can be written; a later one waits for it.
    if (this.#inFlight[this.#inFlightHead] === answer) this.#answerQueued();
  }

  /** maxInFlight answers are awaited: read no more from this client until one is written. */
  #awaitAnswers(): void {
    if (this.#awaitingAnswers) return;
    this.#readingPaused();
    this.#awaitingAnswers = true;
  }

  /**
   * A frame the session sends by itself (server push): written at once, under the same
   * budget as replies. Past the budget reading stops and the stuck timer runs, as for
   * replies; a push that finds the budget already spent cuts the client off, since pushes
   * do not wait for the client to send anything and would otherwise pile up.
   */
  #push(frame: T): boolean {
    if (this.state !== CONNECTION_STATE.open) return false;
    const limit = this.#ctx.limits.maxPendingWriteBytes;
    if (this.#socket.writableLength > limit) {
      this.reason = CLOSE_REASON.reset;
      this.detail = 'slow reader';
      this.#destroySocket();
      return false;
    }
    this.#write(this.#encode([frame]));
    if (this.#socket.writableLength > limit) this.#waitForFlush();
    return true;
  }

  /** `Received message from client`, through a child logger made at the first message. */
  #logReceived(frame: T): void {
    const { logger } = this.#ctx;
    if (!logger.child) {
      const fields = {
        connection: this.info.id,
        remote: this.info.remote,
        bytes: frameBytes(frame),
      };
      return logger.info(fields, LOG_EVENT.messageReceived);
    }
    this.#messageLog ??= logger.child({ connection: this.info.id, remote: this.info.remote });
    this.#messageLog.info({ bytes: frameBytes(frame) }, LOG_EVENT.messageReceived);
  }

  /**
   * A bug in the session (or a store it awaited) must not take the server down: this
   * connection gets the replies before the failed frame and one error line, then closes;
   * every other connection is served on.
   */
  #sessionFailed(error: unknown, replies: T[]): void {
    this.#ctx.logger.error({ connection: this.info.id, err: error }, LOG_EVENT.sessionFailed);
    const errorFrame = this.#ctx.errorFrame;
    if (errorFrame) replies.push(errorFrame(SESSION_FAILED_NOTICE));
    if (replies.length > 0) this.#write(this.#encode(replies));
    this.#end(CLOSE_REASON.reset, 'session error');
  }

  #encode(frames: T[]): Buffer {
    const ctx = this.#ctx;
    if (ctx.dump && levelEnabled(ctx.logger, 'debug')) {
      for (const frame of frames) this.#dump('out', frame);
    }
    return ctx.codec.encode(frames);
  }

  /**
   * The client sends but does not read: stop reading until what we owe it has gone out,
   * so its replies cannot pile up in memory. The stuck timer gives up on it.
   */
  #waitForFlush(): void {
    if (this.#awaitingFlush) return;
    this.#readingPaused();
    this.#awaitingFlush = true;
    // An empty write's callback runs once everything before it is handed to the kernel;
    // unlike 'drain' it comes whatever the socket's highWaterMark.
    this.#socket.write(EMPTY, (error?: Error | null) => this.#onFlushed(error));
    this.#stuckTimer ??= setTimeout(() => this.#onStuck(), this.#ctx.limits.stuckWriterTimeoutMs);
  }

  // The handlers below are methods, not bound fields: each is wrapped when it is needed,
  // so an idle connection does not carry a closure for each (10,000 idle connections).
  #onFlushed(error?: Error | null): void {
    // A write that failed (the peer reset, the socket destroyed) flushed nothing: the socket
    // is closing, and what is queued is for nobody.
    if (error) return this.#failed(error);
    if (!this.#awaitingFlush) return;
    this.#awaitingFlush = false;
    clearTimeout(this.#stuckTimer);
    clearImmediate(this.#stuckVerdict);
    this.#stuckTimer = undefined;
    this.#stuckVerdict = undefined;
    if (this.state !== CONNECTION_STATE.open) return;
    if (!this.#awaitingAnswers) this.#readingResumed();
    this.#answerQueued();
  }

  /** We stop reading (the client is behind on its replies, or maxInFlight answers are awaited). */
  #readingPaused(): void {
    if (!this.#awaitingFlush && !this.#awaitingAnswers) this.#pausedAt = performance.now();
    this.#socket.pause();
  }

  /**
   * We read again. The line deadline judges time spent waiting for the client's bytes, not
   * time we chose not to read them: the pause does not count.
   */
  #readingResumed(): void {
    if (this.#lineStartedAt !== 0) this.#lineStartedAt += performance.now() - this.#pausedAt;
    this.#socket.resume();
  }

  /** Every write of ours is traffic to the idle limit, as it was to Node's socket timeout. */
  #write(data: string | Buffer): void {
    this.#seenRead = -1;
    this.#socket.write(data);
  }

  /** Error replies the transport itself sends (busy, limits); nothing if the codec has no text form. */
  #notify(message: string): void {
    const notice = this.#notice(message);
    if (notice) this.#write(notice);
  }

  #notice(message: string): Buffer | undefined {
    const errorFrame = this.#ctx.errorFrame;
    return errorFrame ? this.#encode([errorFrame(message)]) : undefined;
  }

  /**
   * Slowloris: an unfinished line gets `lineDeadlineMs` from its first byte, however slowly
   * it trickles. Only its start is noted here, after each read: when a read completed a
   * frame, what is left began in that read. The server checks every connection's deadline
   * on one shared timer (`lineOverdue`, `checkLineDeadline`), since a timer set and cleared
   * on each read cost a sixth of the server's time under load.
   */
  #noteUnfinishedLine(completedFrame: boolean): void {
    if (this.#decoder.bufferedBytes === 0 || this.#breach !== undefined) this.#lineStartedAt = 0;
    else if (completedFrame || this.#lineStartedAt === 0) this.#lineStartedAt = performance.now();
  }

  /**
   * Whether the unfinished line has waited past its deadline at `now`. Never while reading
   * is paused: the stuck-writer timer judges a client that does not take its replies.
   */
  lineOverdue(now: number): boolean {
    return (
      this.#lineStartedAt !== 0 &&
      !this.#awaitingFlush &&
      !this.#awaitingAnswers &&
      now - this.#lineStartedAt >= this.#ctx.limits.lineDeadlineMs
    );
  }

  /**
   * Ends the connection if its unfinished line is overdue. The server's sweep asks this only
   * after pending reads are done (afterPendingIo), so the rest of a line that waited in the
   * kernel while the server was late counts as arrived.
   */
  checkLineDeadline(now: number): void {
    if (!this.lineOverdue(now) || this.state !== CONNECTION_STATE.open) return;
    this.#lineStartedAt = 0;
    this.#notify(`Error: line not finished within ${this.#ctx.limits.lineDeadlineMs} ms`);
    this.#end(CLOSE_REASON.idleTimeout, 'line deadline');
  }

  /**
   * Whether the connection has had no traffic (a read, a write of ours, a write draining)
   * for idleTimeoutMs at `now`. The server's sweep asks this of every open connection at a
   * tenth of the limit or less, so traffic is noticed within one sweep: the limit is never
   * applied early, and at most two sweeps late.
   */
  idleOverdue(now: number): boolean {
    if (this.state !== CONNECTION_STATE.open || this.refused) return false;
    const read = this.#socket.bytesRead;
    const pending = this.#socket.writableLength;
    if (read !== this.#seenRead || pending !== this.#seenPending) {
      this.#seenRead = read;
      this.#seenPending = pending;
      this.#quietSince = Math.ceil(now);
      return false;
    }
    return now - this.#quietSince >= this.#ctx.limits.idleTimeoutMs;
  }

  /**
   * The sweep's verdict on an overdue connection, once pending reads are done
   * (afterPendingIo): a line that waited in the kernel while the server was late is traffic,
   * and saves it.
   */
  checkDeadlines(now: number): void {
    this.checkLineDeadline(now);
    if (this.state !== CONNECTION_STATE.open || this.refused) return;
    const quiet =
      this.#socket.bytesRead === this.#seenRead &&
      this.#socket.writableLength === this.#seenPending;
    if (!quiet || now - this.#quietSince < this.#ctx.limits.idleTimeoutMs) return;
    this.#notify(`Error: idle timeout (no data for ${this.#ctx.limits.idleTimeoutMs} ms)`);
    this.#end(CLOSE_REASON.idleTimeout, 'idle');
  }

  #onStuck(): void {
    this.#stuckVerdict = afterPendingIo(() => this.#judgeStuck());
  }

  /** Still not flushed once pending writes had their turn: the client really does not read. */
  #judgeStuck(): void {
    this.#stuckTimer = undefined;
    this.#stuckVerdict = undefined;
    if (this.state === CONNECTION_STATE.closed) return;
    // Nothing can be said to a peer that does not read: close without a notice.
    this.reason ??= CLOSE_REASON.idleTimeout;
    this.detail ??= 'stuck writer';
    this.#destroySocket();
  }

  /**
   * End our side after the pending replies. Input from now on is read and dropped, so the
   * peer's FIN is seen; a peer that never closes is cut off after the linger time.
   */
  #end(reason: CloseReason, detail?: string): void {
    if (this.state !== CONNECTION_STATE.open) return;
    this.state = CONNECTION_STATE.ending;
    this.reason = reason;
    this.detail = detail;
    this.#lineStartedAt = 0;
    this.#socket.end();
    // Keep reading (and dropping) input so the peer's FIN is seen; the stuck timer still runs.
    if (this.#awaitingFlush || this.#awaitingAnswers) this.#socket.resume();
    this.#lingerTimer = setTimeout(() => this.#onLinger(), this.#ctx.limits.stuckWriterTimeoutMs);
  }

  #onLinger(): void {
    this.#lingerTimer = undefined;
    // The peer's FIN, or its reading of our last replies, may be waiting on a late server.
    afterPendingIo(() => this.#destroySocket());
  }

  #failed(error: NodeJS.ErrnoException): void {
    // ECONNRESET, EPIPE and friends: the peer went away. A normal event, logged on close.
    // Node destroys the socket; nothing read from it is answered any more.
    if (this.state === CONNECTION_STATE.open) this.state = CONNECTION_STATE.ending;
    this.reason ??= CLOSE_REASON.reset;
    this.detail ??= error.code ?? error.message;
  }

  #closed(): void {
    this.state = CONNECTION_STATE.closed;
    clearTimeout(this.#stuckTimer);
    clearImmediate(this.#stuckVerdict);
    clearTimeout(this.#lingerTimer);
    this.reason ??= CLOSE_REASON.clientClosed;
    const fields: Record<string, unknown> = { connection: this.info.id, reason: this.reason };
    if (this.detail !== undefined) fields.detail = this.detail;
    this.#ctx.logger.info(fields, LOG_EVENT.connectionClosed);
    publishConnectionClosed(this.info, this.reason, this.detail, this.#socket);
    this.#ctx.connectionClosed(this);
    if (this.#session.closed) {
      try {
        this.#session.closed(this.reason);
      } catch (error) {
        this.#ctx.logger.error({ connection: this.info.id, err: error }, LOG_EVENT.sessionFailed);
      }
    }
  }

  #dump(direction: 'in' | 'out', frame: T): void {
    const bytes = this.#ctx.codec.encode([frame]);
    this.#ctx.logger.debug(
      { direction, connection: this.info.id, peer: this.info.remote, ...describeBytes(bytes) },
      direction === 'in' ? LOG_EVENT.frameIn : LOG_EVENT.frameOut,
    );
  }
}

const EMPTY = Buffer.alloc(0);

/** Where a socket's shared listeners find their connection. */
const OWNER = Symbol('netlab.serverConnection');
type OwnedSocket = Socket & { [OWNER]: ServerConnection<unknown> };

/** The empty frame queue and answer line every connection starts with: replaced, never pushed to. */
const NO_FRAMES: never[] = [];
const NO_ANSWERS: never[] = [];

/** Bytes a reply will take on the wire, near enough to budget with (UTF-16 units for text). */
function replySize(reply: unknown): number {
  if (typeof reply === 'string') return reply.length + 1;
  if (reply instanceof Uint8Array) return reply.byteLength + 4;
  return 1;
}

/**
 * The connection as its session sees it: a small object with its methods on the prototype,
 * one per connection, where an object literal of closures cost every idle connection more.
 */
class SessionSide<T> implements SessionConnection<T> {
  readonly #connection: ServerConnection<T>;

  constructor(connection: ServerConnection<T>) {
    this.#connection = connection;
  }

  send(frame: T): boolean {
    return this.#connection.pushForSession(frame);
  }

  close(): void {
    this.#connection.closeForSession();
  }

  get closed(): boolean {
    return this.#connection.state !== CONNECTION_STATE.open;
  }
}

/** A refused connection reads nothing, so its session is never asked anything. */
const NO_SESSION: SessionHandler<never> = { handle: () => ({}) };

/** What a handler that returned nothing (undefined) is taken to mean: no reply, stay open. */
const NO_RESULT: SessionResult<never> = {};

/** Byte length of a text or binary frame; undefined for other frame types. */
function frameBytes(frame: unknown): number | undefined {
  if (typeof frame === 'string') return Buffer.byteLength(frame, 'utf8');
  if (frame instanceof Uint8Array) return frame.byteLength;
  return undefined;
}

/** The complete frames a decoder produced before a frame over its limit. */
function framesBefore<T>(error: unknown): T[] {
  return error instanceof FrameLimitError ? (error.frames as T[]) : [];
}

/** The one line a breach is answered with: the limit when the codec names one. */
function breachNotice(error: unknown): string {
  return error instanceof FrameLimitError
    ? `Error: line too long (limit ${error.limitBytes} bytes)`
    : 'Error: invalid frame';
}

/** `Connection closed`'s detail: the decoder error's code (PROTOCOL_LINE_TOO_LONG, ...). */
function breachDetail(error: unknown): string | undefined {
  return error instanceof NetlabError ? error.code : undefined;
}
