import { BipackWriter } from '@kp/bipack'
import { ArqDecodeError } from '../arq/arq-decode-error.js'
import type { ArqEngine } from '../arq/engine.js'
import { Defaults, FrameType, RECORD_OVERHEAD } from '../protocol/constants.js'
import { RecordOpener, type RecordStats } from '../record/record-opener.js'
import { RecordSealer } from '../record/record-sealer.js'
import type { Transport } from '../transport/transport.js'
import { scheduleTurn, scheduleTurnEnd } from '../util/schedule-turn.js'
import { writePing, writeSeq } from '../protocol/messages.js'
import type { ItemScheduler, ItemTarget, MakeItemScheduler } from './item-scheduler.js'
import type { ResumeBuffer } from './resume-buffer.js'

/** Room a SEQ takes at most (kind and a smartint number). */
export const SEQ_ROOM = 10

/** Settings of a {@link RecordIo}. @internal */
export interface RecordIoOptions {
  transport: Transport
  sealKey: Uint8Array
  openKey: Uint8Array
  /** Reliable datagram mode (PROTOCOL.md 9): every message travels in ARQ frames. */
  arq: boolean
  /** ARQ: the dead-link time (the idle timeout). */
  deadLinkMs: number
  /** ARQ: the largest reassembled message accepted (the server's announced maxMessage). */
  maxMessage: number | undefined
  /** Called when a record or ARQ frame was handed to the transport. */
  onSent: (frame: Uint8Array, type: number) => void
  /** The engine or the transport failed: the link must close (called at most once, async). */
  onFailure: (reason: string, error: Error | undefined) => void
}

/** Writers of turns already sealed, kept for the next turn of any link: an idle link holds none. */
const spareWriters: BipackWriter[] = []
/** Spare writers kept at most (one per link that is busy in the same turn is enough). */
const MAX_SPARE_WRITERS = 64
/** A writer that grew beyond this (a large message) is not kept among the spares... */
const MAX_SPARE_CAPACITY = 64 * 1024
/** ...but one of up to this size is kept apart, for the next turn of a large message (one per process). */
const MAX_LARGE_SPARE = 2 * 1024 * 1024
let largeSpare: BipackWriter | null = null

/**
 * The record layer of one link (PROTOCOL.md 5, 9): collects the messages of one event-loop turn
 * into one BipackWriter, seals them into one RECORD at the end of the turn (or hands them to the
 * ARQ engine as one message), and opens what arrives. The hot path: one writer per link, one
 * seal per turn. @internal
 */
export class RecordIo implements ItemTarget {
  /** This turn's writer, taken on the first message and given back when the turn is sealed. */
  private writer: BipackWriter | null = null
  readonly arq: ArqEngine | null = null
  /** Largest plaintext of one record (or one ARQ message). */
  readonly maxRecordPlaintext: number
  private readonly sealer: RecordSealer
  private readonly opener: RecordOpener
  private readonly transport: Transport
  private flushScheduled = false
  private itemsScheduled = false
  private stopped = false
  private arqTimer: ReturnType<typeof setTimeout> | undefined
  private arqTimerAt = Number.POSITIVE_INFINITY
  /** Largest turn towards the peer; ARQ: the peer's maxMessage bounds one message. */
  turnLimit: number
  /** Stream items' write path, made when the first stream needs it (PROTOCOL.md 14); after stop, what waited. */
  scheduler: ItemScheduler | null = null
  /** Resumable sessions (PROTOCOL.md 15): where numbered segments are kept; null: none (no cost). */
  private buffer: ResumeBuffer | null = null
  /** Where this turn's open segment starts in the writer (its SEQ), -1 when none is open. */
  private segStart = -1
  private segNo = 0

  constructor(private readonly options: RecordIoOptions) {
    this.transport = options.transport
    this.sealer = new RecordSealer(options.sealKey)
    this.opener = new RecordOpener(options.openKey, options.transport.reliable)
    let max = options.transport.maxFrame - RECORD_OVERHEAD
    if (options.arq) {
      // the engine comes from the datagram transport, so a WebSocket client's bundle never has it
      this.arq = options.transport.arqEngine!({
        now: () => performance.now(),
        // each (re)transmission is a new ARQ frame with a new counter (PROTOCOL.md 9)
        output: (payload) => this.sendFrame(this.sealer.seal(payload, FrameType.Arq), FrameType.Arq),
        mtu: Math.min(options.transport.maxFrame, Defaults.arqDatagram) - RECORD_OVERHEAD,
        deadLinkMs: options.deadLinkMs,
        maxMessage: options.maxMessage,
        // a limit (kp.SlowPeer, kp.MemoryBudget, ProtocolError) comes with its error
        onDead: (reason, error) => queueMicrotask(() => options.onFailure(error ? reason : `dead link: ${reason}`, error)),
      })
      // one turn's plaintext is one ARQ message of up to 255 fragments
      max = this.arq.maxMessageSize
    }
    this.maxRecordPlaintext = max
    this.turnLimit = max
  }

  get stats(): Readonly<RecordStats> {
    return this.opener.stats
  }

  /** Messages of this turn; written in place by {@link reserve}'s callers (taken from the spares on first use). */
  get out(): BipackWriter {
    return (this.writer ??= spareWriters.pop() ?? new BipackWriter(1024))
  }

  /** The turn is sealed: its writer goes back to the spares (an idle link keeps no buffer). */
  private releaseWriter(): void {
    const w = this.writer
    if (w === null) return
    this.writer = null
    w.reset()
    if (w.capacity <= MAX_SPARE_CAPACITY) {
      if (spareWriters.length < MAX_SPARE_WRITERS) spareWriters.push(w)
    } else if (w.capacity <= MAX_LARGE_SPARE && (largeSpare === null || largeSpare.capacity < w.capacity)) {
      largeSpare = w
    }
  }

  /** Makes room for a message of `size` bytes in this turn's record; the flush follows at the end of the turn. */
  reserve(size: number): BipackWriter {
    const w = this.writer
    if (w !== null && w.length > 0 && w.length + size > this.turnLimit) this.flush()
    this.scheduleFlush()
    return this.writerFor(size)
  }

  /** This turn's writer, for a message of `size` bytes: a large one takes the kept large writer. */
  private writerFor(size: number): BipackWriter {
    if (this.writer === null && size > MAX_SPARE_CAPACITY / 2 && largeSpare !== null) {
      this.writer = largeSpare
      largeSpare = null
    }
    return this.out
  }

  /** Appends one encoded message to this turn's record. */
  append(message: Uint8Array): void {
    this.reserve(message.length).fixed(message)
  }

  /** Numbers and keeps the session messages from here on (PROTOCOL.md 15). */
  setBuffer(buffer: ResumeBuffer): void {
    this.buffer = buffer
  }

  /** A session message: like {@link reserve}, inside a numbered segment when the session is resumable. */
  reserveSession(size: number): BipackWriter {
    if (this.buffer === null) return this.reserve(size)
    const w0 = this.writer
    if (w0 !== null && w0.length > 0 && w0.length + size + SEQ_ROOM > this.turnLimit) this.flush()
    this.scheduleFlush()
    const w = this.writerFor(size)
    if (this.segStart < 0) this.openSegment(w)
    return w
  }

  /** Room the SEQ of a segment not opened yet takes (stream items, {@link ItemTarget}). */
  get segmentRoom(): number {
    return this.buffer !== null && this.segStart < 0 ? SEQ_ROOM : 0
  }

  /** Opens a segment when the session is resumable and none is open (before stream items). */
  beginSegment(): void {
    if (this.buffer !== null && this.segStart < 0) this.openSegment(this.out)
  }

  private openSegment(w: BipackWriter): void {
    this.segStart = w.length
    this.segNo = this.buffer!.next()
    writeSeq(w, this.segNo)
  }

  /** Keeps the open segment (it ends here: a flush, a resend, or the link stopping). */
  private closeSegment(): void {
    if (this.segStart < 0) return
    const w = this.writer
    if (w !== null) this.buffer!.keep(this.segNo, w.view().subarray(this.segStart))
    this.segStart = -1
  }

  /**
   * Resends a kept segment on this (new) link, its SEQ included. False when it does not fit
   * one record here (the session cannot move to this link).
   */
  appendSegment(segment: Uint8Array): boolean {
    if (segment.length > this.turnLimit) return false
    this.closeSegment()
    const w0 = this.writer
    if (w0 !== null && w0.length > 0 && w0.length + segment.length > this.turnLimit) this.flush()
    this.scheduleFlush()
    this.out.fixed(segment)
    return true
  }

  /** Drops what this turn holds (a CLOSE follows); an open segment is kept first. */
  discardTurn(): void {
    this.closeSegment()
    this.writer?.reset()
  }

  /** The scheduler of stream items (made by `make` on first use: links without streams pay nothing). */
  items(make: MakeItemScheduler): ItemScheduler {
    return (this.scheduler ??= make(this))
  }

  /** Bytes handed to the transport (or the ARQ engine) and not yet sent. */
  backlog(): number {
    const sent = this.arq ? this.arq.bufferedBytes : this.transport.bufferedAmount
    // a resumable session: what the peer has not acknowledged (it includes what is not sent yet)
    return this.buffer === null ? sent : Math.max(sent, this.buffer.bytes)
  }

  /**
   * Stream items wait while the backlog is this high; the ARQ engine's window is small, so its
   * queue is kept short; a resumable session keeps its unacknowledged bytes to half its bound.
   */
  get itemHighWater(): number {
    const high = this.arq ? Defaults.streamTurnBytes : Defaults.streamHighWater
    return this.buffer === null ? high : Math.min(high, this.buffer.maxBytes / 2)
  }

  /** Seals what this turn holds so far (a large stream item then starts a record of its own). */
  sealNow(): void {
    this.flush()
  }

  /** Flush the messages at the end of this task (ACKs of an ARQ input leave then too). */
  scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true
      scheduleTurn(this.flushNow)
    }
  }

  /** Stream items wait: add them at the end of this turn of the event loop ({@link ItemTarget}). */
  scheduleItems(): void {
    if (!this.itemsScheduled) {
      this.itemsScheduled = true
      scheduleTurnEnd(this.flushItems)
    }
  }

  /** The end of a task: the messages queued in it are sealed. */
  private readonly flushNow = () => {
    this.flushScheduled = false
    this.flush()
  }

  /** The end of a turn: stream items go in after everything else, then the record is sealed. */
  private readonly flushItems = () => {
    this.itemsScheduled = false
    const items = this.scheduler
    if (items === null || this.stopped) return this.flush()
    const more = items.fill()
    this.flush()
    if (more) this.scheduleItems()
  }

  /** Seals what was queued into one record and sends it. */
  flush(): void {
    if (this.stopped) return
    const buffer = this.buffer
    if (buffer !== null) {
      this.closeSegment()
      // a quarter of the bound unacknowledged: ask for an ACK (the peer answers a PING with one)
      if (!buffer.askedAck && buffer.bytes > buffer.maxBytes / 4) {
        buffer.askedAck = true
        writePing(this.out)
      }
    }
    const w = this.writer
    const arq = this.arq
    if (arq) {
      if (w !== null && w.length > 0) arq.send(w.view()) // copies
      this.releaseWriter()
      arq.flush()
      this.armArqTimer()
      return
    }
    if (w === null || w.length === 0) return
    const frame = this.sealer.seal(w.view(), FrameType.Record)
    this.releaseWriter()
    this.sendFrame(frame, FrameType.Record)
  }

  /** Sends a frame already sealed (a repeated first record). */
  resend(frame: Uint8Array): void {
    this.sendFrame(frame, FrameType.Record)
  }

  private sendFrame(frame: Uint8Array, type: number): void {
    try {
      this.transport.send(frame)
    } catch (e) {
      queueMicrotask(() => this.options.onFailure(`send failed: ${(e as Error).message}`, e as Error))
      return
    }
    this.options.onSent(frame, type)
  }

  /**
   * Opens a RECORD. Returns its plaintext, or null when a datagram is dropped (replayed, forged).
   * Throws `ProtocolError` on a reliable transport.
   */
  open(frame: Uint8Array): Uint8Array | null {
    // the frame belongs to us (the Transport contract): decrypt in place, no allocation
    return this.opener.openInPlace(frame)
  }

  /**
   * Reliable datagram mode: opens an ARQ frame and returns the messages it completes (possibly
   * none), or null when it is dropped. Never throws for what a peer sends.
   */
  openArq(frame: Uint8Array): readonly Uint8Array[] | null {
    const payload = this.opener.openInPlace(frame) // datagram opener: never throws, drops and counts
    if (payload === null) return null
    try {
      const messages = this.arq!.input(payload)
      // ACKs (and anything the handlers queue) leave at the end of this turn
      this.scheduleFlush()
      return messages
    } catch (e) {
      if (ArqDecodeError.isInstance(e)) {
        this.opener.stats.forged++
        return null
      }
      throw e
    }
  }

  /** Stops timers and the engine (its bytes go back to the memory budget); nothing is sent after. */
  stop(): void {
    if (this.buffer !== null) this.closeSegment() // kept: sent on the next link
    this.stopped = true
    this.scheduler?.stop() // what waited stays in it: a resumable session hands it over
    this.releaseWriter()
    if (this.arqTimer) clearTimeout(this.arqTimer)
    this.arq?.close()
  }

  /** Keeps the link's one ARQ timer armed for the engine's next deadline. */
  private armArqTimer(): void {
    const at = this.arq!.nextTimerAt()
    if (at === null || this.stopped) return
    if (this.arqTimer && at >= this.arqTimerAt) return // an earlier timer is armed: onTimer early is harmless
    if (this.arqTimer) clearTimeout(this.arqTimer)
    this.arqTimerAt = at
    this.arqTimer = setTimeout(RecordIo.arqTimerFired, Math.max(0, at - performance.now()), this)
  }

  /** The ARQ timer's callback, shared by every link (no closure per link). */
  private static arqTimerFired(io: RecordIo): void {
    io.onArqTimer()
  }

  private onArqTimer(): void {
    this.arqTimer = undefined
    this.arqTimerAt = Number.POSITIVE_INFINITY
    if (this.stopped || !this.arq) return
    this.arq.onTimer()
    this.armArqTimer()
  }
}
