//! The frame tap: the client's byte stream with its HTTP/2 frame headers read as they pass, for
//! what the h2 crate does not do itself (per-minute frame caps, WINDOW_UPDATE averages, the
//! header-block and SETTINGS-ACK deadlines), and the [`Alarms`] through which it tells the
//! session and the streams.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use h2::Reason;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

use super::H2Settings;

/// What the frame tap found that the session or a stream must act on: the tap runs inside the h2
/// connection's reads and writes, which cannot reach either.
#[derive(Default)]
pub(super) struct Alarms {
    /// The connection error to end the session with (GOAWAY with this code, then close); 0 until
    /// one is raised (NO_ERROR is never an alarm). The first one raised stays.
    pub(super) goaway: AtomicU32,
    /// Wakes the session for `goaway` (one permit: it may not be waiting yet).
    pub(super) session: Notify,
    /// Streams whose WINDOW_UPDATEs average below `min_avg_window_update`: each is reset with
    /// ENHANCE_YOUR_CALM by its own task, which takes its id out.
    calm: Mutex<Vec<u32>>,
    /// `calm` is not empty (checked without the lock on every wait for window).
    any_calm: AtomicBool,
    /// Wakes every stream waiting on the client when `calm` grows.
    pub(super) streams: Notify,
    /// The client's SETTINGS said SETTINGS_ENABLE_PUSH 0 (the tap reads it as it passes: the h2
    /// crate does not tell, and TSHttpTxnServerPush must answer at once).
    pub(super) push_off: AtomicBool,
    /// `promises` is not empty (checked without the lock when a stream sends its response).
    pub(super) promised: AtomicBool,
    /// Pushes TSHttpTxnServerPush asked for, each sent by its stream's own task.
    pub(super) promises: parking_lot::Mutex<Vec<super::push::Promise>>,
}

/// Streams flagged and not yet reset past which the whole connection is cut instead (the flags of
/// streams that are already closed are never taken).
const MAX_CALM_STREAMS: usize = 64;

impl Alarms {
    fn raise(&self, reason: Reason) {
        let _ = self
            .goaway
            .compare_exchange(0, reason.into(), Ordering::AcqRel, Ordering::Acquire);
        self.session.notify_one();
    }

    fn calm_stream(&self, id: u32) {
        let mut calm = self.calm.lock().unwrap_or_else(|e| e.into_inner());
        if calm.len() >= MAX_CALM_STREAMS {
            drop(calm);
            self.raise(Reason::ENHANCE_YOUR_CALM);
            return;
        }
        calm.push(id);
        self.any_calm.store(true, Ordering::Release);
        drop(calm);
        self.streams.notify_waiters();
    }

    /// Whether stream `id` was flagged (the flag is taken).
    pub(super) fn take_calm(&self, id: u32) -> bool {
        if !self.any_calm.load(Ordering::Acquire) {
            return false;
        }
        let mut calm = self.calm.lock().unwrap_or_else(|e| e.into_inner());
        let Some(i) = calm.iter().position(|&s| s == id) else {
            return false;
        };
        calm.swap_remove(i);
        if calm.is_empty() {
            self.any_calm.store(false, Ordering::Release);
        }
        true
    }
}

/// The last five WINDOW_UPDATE increments of a stream or of the connection (ATS keeps five,
/// starting as "huge", so the average can fall below the minimum only after five small ones).
#[derive(Clone, Copy)]
struct Increments {
    last: [u32; 5],
    next: u8,
    /// Already reported: later updates are ignored.
    tripped: bool,
}

impl Increments {
    const NEW: Increments = Increments {
        last: [u32::MAX; 5],
        next: 0,
        tripped: false,
    };

    /// Record one increment; whether the average of the last five is now below `min`.
    fn below(&mut self, increment: u32, min: f64) -> bool {
        self.last[self.next as usize] = increment;
        self.next = (self.next + 1) % 5;
        let sum: u64 = self.last.iter().map(|&i| i as u64).sum();
        let below = !self.tripped && (sum as f64 / 5.0) < min;
        self.tripped |= below;
        below
    }
}

/// Streams whose increments are remembered at most (the lowest id, most likely closed, is
/// forgotten first; it then starts over as "huge").
const MAX_STREAM_INCREMENTS: usize = 256;

/// What the end of the current frame's payload means to the tap.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AtEnd {
    Nothing,
    /// A HEADERS, PUSH_PROMISE or CONTINUATION frame with END_HEADERS: the header block is done.
    BlockDone,
    /// A WINDOW_UPDATE (its 4-byte payload is collected in `increment`).
    Window,
    /// The client's SETTINGS (not an ACK): its 6-byte entries are read for ENABLE_PUSH.
    Settings,
}

/// The client's byte stream, its frame headers read as they pass (never the payloads, but for a
/// WINDOW_UPDATE's 4 bytes):
/// - frames counted by type, per minute (ATS's `Http2FrequencyCounter` caps);
/// - WINDOW_UPDATE increments averaged over the last five, per stream and for the connection
///   (ATS's `min_avg_window_update`): a stream below the minimum is reset, the connection gets
///   GOAWAY (both ENHANCE_YOUR_CALM);
/// - a header block (HEADERS or PUSH_PROMISE without END_HEADERS, a frame not whole yet) must be
///   finished within `incomplete_header_timeout` of being seen open, else GOAWAY
///   COMPRESSION_ERROR (ATS's `incomplete_header_timeout_in`);
/// - our SETTINGS must be acknowledged within `settings_ack_timeout`, else GOAWAY SETTINGS_TIMEOUT
///   (RFC 9113 6.5.3).
///
/// A timer runs only while a deadline is pending (before the ACK, while a header block is open).
/// On a connection error it raises the alarm (the session sends GOAWAY) and reads nothing more
/// from the client.
pub(super) struct FrameCaps<S> {
    io: S,
    /// Bytes of the client preface still to pass.
    preface: usize,
    head: [u8; 9],
    head_len: usize,
    /// Payload bytes of the current frame still to pass.
    skip: usize,
    at_end: AtEnd,
    /// The WINDOW_UPDATE payload read so far.
    increment: u32,
    /// The SETTINGS entry read so far, and how much of it.
    setting: [u8; 6],
    setting_len: usize,
    /// (cap, count in this window) for RST_STREAM, SETTINGS, PING, PRIORITY.
    caps: [(u32, u32); 4],
    window: Instant,
    pub(super) tripped: bool,
    alarms: Arc<Alarms>,
    /// 0: no minimum.
    min_avg_window_update: f64,
    conn_increments: Increments,
    stream_increments: HashMap<u32, Increments>,
    /// Until the client acknowledges our SETTINGS.
    settings_ack_by: Option<Instant>,
    /// 0: none.
    header_timeout: Duration,
    /// A header block has begun and has not ended.
    block_open: bool,
    /// Its deadline, from when it was first seen open at the end of a read.
    block_by: Option<Instant>,
    /// The earliest pending deadline's timer.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

const PREFACE_LEN: usize = 24;

impl<S> FrameCaps<S> {
    pub(super) fn new(io: S, s: &H2Settings, alarms: Arc<Alarms>) -> Self {
        let now = Instant::now();
        FrameCaps {
            io,
            preface: PREFACE_LEN,
            head: [0; 9],
            head_len: 0,
            skip: 0,
            at_end: AtEnd::Nothing,
            increment: 0,
            setting: [0; 6],
            setting_len: 0,
            caps: [
                (s.max_rst_stream_frames_per_minute, 0),
                (s.max_settings_frames_per_minute, 0),
                (s.max_ping_frames_per_minute, 0),
                (s.max_priority_frames_per_minute, 0),
            ],
            window: now,
            tripped: false,
            alarms,
            min_avg_window_update: s.min_avg_window_update,
            conn_increments: Increments::NEW,
            stream_increments: HashMap::new(),
            settings_ack_by: (!s.settings_ack_timeout.is_zero())
                .then(|| now + s.settings_ack_timeout),
            header_timeout: s.incomplete_header_timeout,
            block_open: false,
            block_by: None,
            timer: None,
        }
    }

    /// End the connection with GOAWAY `reason` (once).
    fn trip(&mut self, reason: Reason) {
        if !self.tripped {
            self.tripped = true;
            self.timer = None;
            self.alarms.raise(reason);
        }
    }

    /// A frame header, whole: what it starts.
    fn frame(&mut self, kind: u8, flags: u8, len: usize) {
        const END_HEADERS: u8 = 0x4;
        self.at_end = AtEnd::Nothing;
        let i = match kind {
            0x1 | 0x5 => {
                // HEADERS, PUSH_PROMISE
                self.block_open = true;
                if flags & END_HEADERS != 0 {
                    self.at_end = AtEnd::BlockDone;
                }
                return;
            }
            0x9 => {
                // CONTINUATION
                if flags & END_HEADERS != 0 {
                    self.at_end = AtEnd::BlockDone;
                }
                return;
            }
            0x8 => {
                // WINDOW_UPDATE (another length is the h2 crate's FRAME_SIZE_ERROR)
                if len == 4 {
                    self.at_end = AtEnd::Window;
                    self.increment = 0;
                }
                return;
            }
            0x3 => 0, // RST_STREAM
            0x4 => {
                if flags & 0x1 != 0 {
                    // SETTINGS ACK: ours arrived.
                    self.settings_ack_by = None;
                } else {
                    self.at_end = AtEnd::Settings;
                    self.setting_len = 0;
                }
                1
            }
            0x6 => 2, // PING
            0x2 => 3, // PRIORITY
            _ => return,
        };
        let now = Instant::now();
        if now.duration_since(self.window) >= Duration::from_secs(60) {
            self.window = now;
            for c in &mut self.caps {
                c.1 = 0;
            }
        }
        let (cap, count) = &mut self.caps[i];
        *count += 1;
        if *cap != 0 && *count > *cap {
            self.trip(Reason::ENHANCE_YOUR_CALM);
        }
    }

    /// The current frame's payload has passed.
    fn payload_end(&mut self) {
        match std::mem::replace(&mut self.at_end, AtEnd::Nothing) {
            AtEnd::Nothing | AtEnd::Settings => {}
            AtEnd::BlockDone => {
                self.block_open = false;
                self.block_by = None;
            }
            AtEnd::Window => {
                let h = self.head;
                let stream = u32::from_be_bytes([h[5], h[6], h[7], h[8]]) & 0x7fff_ffff;
                self.window_update(stream, self.increment & 0x7fff_ffff);
            }
        }
    }

    /// Bytes of a SETTINGS payload: SETTINGS_ENABLE_PUSH (0x2) is noted for TSHttpTxnServerPush
    /// (the h2 crate checks the values and refuses the push itself too).
    fn settings(&mut self, data: &[u8]) {
        for &b in data {
            self.setting[self.setting_len] = b;
            self.setting_len += 1;
            if self.setting_len == 6 {
                self.setting_len = 0;
                let s = self.setting;
                if u16::from_be_bytes([s[0], s[1]]) == 0x2 {
                    let on = u32::from_be_bytes([s[2], s[3], s[4], s[5]]) != 0;
                    self.alarms.push_off.store(!on, Ordering::Release);
                }
            }
        }
    }

    fn window_update(&mut self, stream: u32, increment: u32) {
        let min = self.min_avg_window_update;
        // An increment of 0 is the h2 crate's PROTOCOL_ERROR.
        if min <= 0.0 || increment == 0 {
            return;
        }
        if stream == 0 {
            if self.conn_increments.below(increment, min) {
                self.trip(Reason::ENHANCE_YOUR_CALM);
            }
            return;
        }
        let map = &mut self.stream_increments;
        if map.len() >= MAX_STREAM_INCREMENTS && !map.contains_key(&stream) {
            if let Some(&oldest) = map.keys().min() {
                map.remove(&oldest);
            }
        }
        if map
            .entry(stream)
            .or_insert(Increments::NEW)
            .below(increment, min)
        {
            self.alarms.calm_stream(stream);
        }
    }

    fn scan(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.preface > 0 {
                let n = self.preface.min(data.len());
                self.preface -= n;
                data = &data[n..];
            } else if self.skip > 0 {
                let n = self.skip.min(data.len());
                if self.at_end == AtEnd::Window {
                    for &b in &data[..n] {
                        self.increment = self.increment << 8 | b as u32;
                    }
                } else if self.at_end == AtEnd::Settings {
                    self.settings(&data[..n]);
                }
                self.skip -= n;
                data = &data[n..];
                if self.skip == 0 && self.at_end != AtEnd::Nothing {
                    self.payload_end();
                }
            } else {
                let n = (9 - self.head_len).min(data.len());
                self.head[self.head_len..self.head_len + n].copy_from_slice(&data[..n]);
                self.head_len += n;
                data = &data[n..];
                if self.head_len == 9 {
                    self.head_len = 0;
                    let h = self.head;
                    self.skip = (h[0] as usize) << 16 | (h[1] as usize) << 8 | h[2] as usize;
                    self.frame(h[3], h[4], self.skip);
                    if self.skip == 0 && self.at_end != AtEnd::Nothing {
                        self.payload_end();
                    }
                }
            }
        }
    }

    /// Whether a deadline may be pending (a few loads: checked on every read and write).
    fn deadlines(&self) -> bool {
        self.settings_ack_by.is_some() || self.block_open || self.timer.is_some()
    }

    /// Run the timer for the earliest pending deadline (none pending: no timer); past one, trip.
    fn poll_deadlines(&mut self, cx: &mut Context<'_>) {
        if self.tripped {
            self.timer = None;
            return;
        }
        if self.block_open && self.block_by.is_none() && !self.header_timeout.is_zero() {
            self.block_by = Some(Instant::now() + self.header_timeout);
        }
        let next = match (self.settings_ack_by, self.block_by) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => {
                self.timer = None;
                return;
            }
        };
        let timer = match &mut self.timer {
            Some(t) => {
                if t.deadline() != next {
                    t.as_mut().reset(next);
                }
                t
            }
            None => self.timer.insert(Box::pin(tokio::time::sleep_until(next))),
        };
        if timer.as_mut().poll(cx).is_pending() {
            return;
        }
        let now = Instant::now();
        if self.settings_ack_by.is_some_and(|t| t <= now) {
            crate::debug!(
                "http2",
                "SETTINGS not acknowledged in time: GOAWAY SETTINGS_TIMEOUT"
            );
            self.trip(Reason::SETTINGS_TIMEOUT);
        } else if self.block_by.is_some_and(|t| t <= now) {
            // ATS: the stream's incomplete-header timeout is a connection error (its HPACK state
            // is lost with the unfinished block).
            crate::debug!(
                "http2",
                "header block not finished in time: GOAWAY COMPRESSION_ERROR"
            );
            self.trip(Reason::COMPRESSION_ERROR);
        } else {
            // Fired early for a deadline since moved: start over.
            self.timer = None;
            cx.waker().wake_by_ref();
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> FrameCaps<S> {
    /// Drop the client's input until it closes (the GOAWAY and close_notify are already sent:
    /// the h2 connection shut the stream down).
    pub(super) async fn linger(&mut self) {
        use tokio::io::AsyncReadExt;
        let mut scratch = [0u8; 8192];
        let mut total = 0;
        let end = loop {
            match self.io.read(&mut scratch).await {
                Ok(0) => break "closed".to_string(),
                Ok(n) => total += n,
                Err(e) => break e.to_string(),
            }
        };
        crate::debug!("http2", "linger: {total} bytes dropped, {end}");
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for FrameCaps<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.tripped {
            // The session is closing: what the client still sends is read and dropped (so its
            // flood cannot fill the socket buffers and stall the GOAWAY).
            let mut scratch = [0u8; 8192];
            loop {
                let mut b = ReadBuf::new(&mut scratch);
                match Pin::new(&mut self.io).poll_read(cx, &mut b) {
                    Poll::Ready(Ok(())) if !b.filled().is_empty() => continue,
                    other => return other,
                }
            }
        }
        let before = buf.filled().len();
        let me = &mut *self;
        let r = Pin::new(&mut me.io).poll_read(cx, buf);
        if r.is_ready() {
            me.scan(&buf.filled()[before..]);
        }
        if me.deadlines() {
            me.poll_deadlines(cx);
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for FrameCaps<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        // Deadlines are polled on writes too: the h2 connection does not read while its writes
        // are blocked (a client that does not read either).
        if self.deadlines() {
            self.poll_deadlines(cx);
        }
        Pin::new(&mut self.io).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.deadlines() {
            self.poll_deadlines(cx);
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
