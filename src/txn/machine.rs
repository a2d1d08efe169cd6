//! The transaction machine without I/O: the order of a transaction's hook points and of the work
//! between them, and ATS's rules for what comes next (HttpSM with the cache off). Neither the
//! network nor the clock enters it: a driver asks [`Machine::next`] what to do, does it (runs the
//! hooks of a point, reads a request, reaches an origin, ...) and reports how it went. The proxy
//! drives it with sockets (`proxy::sm`: its code follows the sequence, reports every step and
//! turns where the machine says; debug builds check each step against [`Machine::next`]), the
//! harness with synthetic events (`harness`: a loop over [`Machine::next`]). A rule changed here
//! changes both.
//!
//! The sequence: TXN_START, (read the request), READ_REQUEST_HDR, PRE_REMAP, (remap), POST_REMAP,
//! (find the origin), OS_DNS, CACHE_LOOKUP_COMPLETE, (reach the origin, make the server request),
//! SEND_REQUEST_HDR, (send it, read the response head), READ_RESPONSE_HDR, (make the client
//! response), SEND_RESPONSE_HDR, (send it). TXN_CLOSE is the session's: it runs once the machine is
//! done, however it got there. The rules:
//! - a hook point that ends with TS_EVENT_HTTP_ERROR skips to a response tshost makes (the API
//!   error response), whose SEND_RESPONSE_HDR hooks run; an ERROR at SEND_RESPONSE_HDR itself
//!   replaces the response at hand with the API error response and those hooks do not run again;
//! - a status a plugin set by the end of PRE_REMAP (TSHttpTxnStatusSet) is answered by tshost
//!   without remap or an origin;
//! - work that fails with a status (a bad request, a remap miss, an origin that cannot be reached)
//!   skips to the response tshost makes for it;
//! - a client that is gone skips everything left (no response).
#![forbid(unsafe_code)]

use crate::hooks::dispatch::Outcome;
use crate::hooks::id;

/// A response tshost makes instead of the origin's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generated {
    /// Its own status: a bad request, a remap or origin failure, a status a plugin set before the
    /// end of remap.
    Status(u16),
    /// TS_EVENT_HTTP_ERROR at this hook point (ATS's HandleApiErrorJump).
    Api(i32),
}

/// What a driver does next: run the hooks of a point, or the work between points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Run the hooks of this point, then [`Machine::hooks_ran`].
    Hooks(i32),
    /// Read the client request into the transaction's client request (before READ_REQUEST_HDR).
    ReadRequest,
    /// Remap the client request (between PRE_REMAP and POST_REMAP).
    Remap,
    /// Find the origin the request names now (before OS_DNS).
    FindOrigin,
    /// Reach the origin and make the server request (before SEND_REQUEST_HDR).
    Connect,
    /// Send the server request and read the origin's response head (before READ_RESPONSE_HDR).
    Exchange,
    /// Make the client response from the origin's (before SEND_RESPONSE_HDR).
    Respond,
    /// Make the response tshost sends instead (before SEND_RESPONSE_HDR; for an ERROR at
    /// SEND_RESPONSE_HDR, in place of the response those hooks saw).
    Generate(Generated),
    /// Send the client response, and its body (after SEND_RESPONSE_HDR).
    Send,
    /// The transaction is over (TXN_CLOSE is next, run by the session).
    Done,
}

/// The steps of a transaction that nothing diverts, in order. A work step is reported with
/// [`Machine::worked`], [`Machine::failed`] or [`Machine::client_gone`].
const SEQUENCE: [Step; 17] = [
    Step::Hooks(id::TXN_START),
    Step::ReadRequest,
    Step::Hooks(id::READ_REQUEST_HDR),
    Step::Hooks(id::PRE_REMAP),
    Step::Remap,
    Step::Hooks(id::POST_REMAP),
    Step::FindOrigin,
    Step::Hooks(id::OS_DNS),
    Step::Hooks(id::CACHE_LOOKUP_COMPLETE),
    Step::Connect,
    Step::Hooks(id::SEND_REQUEST_HDR),
    Step::Exchange,
    Step::Hooks(id::READ_RESPONSE_HDR),
    Step::Respond,
    Step::Hooks(id::SEND_RESPONSE_HDR),
    Step::Send,
    Step::Done,
];
/// Indexes into [`SEQUENCE`].
const AT_PRE_REMAP: u8 = 3;
const AT_FIND_ORIGIN: u8 = 6;
const AT_RESPOND: u8 = 13;
const AT_SEND_RESPONSE_HDR: u8 = 14;
const AT_SEND: u8 = 15;
const AT_DONE: u8 = 16;
/// Not in [`SEQUENCE`]: the response tshost makes ([`Machine::generating`]).
const AT_GENERATE: u8 = 17;

/// One transaction's place in the sequence.
#[derive(Debug)]
pub struct Machine {
    /// An index into [`SEQUENCE`], or [`AT_GENERATE`].
    at: u8,
    /// The response tshost makes (what SEND_RESPONSE_HDR sees from then on), once it does.
    generating: Option<Generated>,
}

impl Default for Machine {
    fn default() -> Self {
        Self::new()
    }
}

impl Machine {
    /// A transaction whose TXN_START hooks are next.
    pub const fn new() -> Machine {
        Machine {
            at: 0,
            generating: None,
        }
    }

    /// What to do next.
    #[inline]
    pub fn next(&self) -> Step {
        match self.generating {
            Some(g) if self.at == AT_GENERATE => Step::Generate(g),
            _ => SEQUENCE[self.at.min(AT_DONE) as usize],
        }
    }

    /// The response at hand is one tshost made.
    pub fn generated(&self) -> bool {
        self.generating.is_some()
    }

    /// The hooks of the current point ran to `outcome`; `status` gives the transaction's status
    /// as a plugin set it (TSHttpTxnStatusSet; 0 if none), read only where a rule needs it. True
    /// when the transaction goes on as planned (the next step of the sequence), false when tshost
    /// makes the response instead.
    #[inline]
    pub fn hooks_ran(&mut self, outcome: Outcome, status: impl FnOnce() -> i32) -> bool {
        if outcome == Outcome::Error {
            let Step::Hooks(point) = self.next() else {
                debug_assert!(false, "hooks_ran at {:?}", self.next());
                return true;
            };
            self.generate(Generated::Api(point));
            return false;
        }
        if self.at == AT_PRE_REMAP {
            // A status set by a plugin up to here: tshost answers with it.
            let status = status();
            if status != 0 {
                self.generate(Generated::Status(status.clamp(0, u16::MAX as i32) as u16));
                return false;
            }
        }
        debug_assert!(
            matches!(self.next(), Step::Hooks(_)),
            "hooks_ran at {:?}",
            self.next()
        );
        self.at += 1;
        true
    }

    /// TS_HTTP_CNTL_SKIP_REMAPPING was set by the end of READ_REQUEST_HDR: PRE_REMAP, remap and
    /// POST_REMAP are skipped and the origin the request names is found next (ATS's
    /// StartRemapRequest with `api_skip_all_remapping`). True when they were (only right after
    /// READ_REQUEST_HDR).
    pub fn skip_remap(&mut self) -> bool {
        if self.at != AT_PRE_REMAP {
            return false;
        }
        self.at = AT_FIND_ORIGIN;
        true
    }

    /// A redirect is followed after READ_RESPONSE_HDR (a URL a plugin set with
    /// TSHttpTxnRedirectUrlSet): the origin's response goes nowhere, the request goes to the new
    /// URL from finding its origin on (OS_DNS and the rest run again; SEND_RESPONSE_HDR runs once,
    /// for the response the client gets), as ATS's do_redirect. True when followed (only right
    /// after READ_RESPONSE_HDR).
    pub fn follow_redirect(&mut self) -> bool {
        if self.at != AT_RESPOND {
            return false;
        }
        self.at = AT_FIND_ORIGIN;
        true
    }

    /// The current work is done.
    #[inline]
    pub fn worked(&mut self) {
        self.at = match self.at {
            // SEND_RESPONSE_HDR's hooks saw the response an API error replaces: they do not run
            // again.
            AT_GENERATE if self.generating == Some(Generated::Api(id::SEND_RESPONSE_HDR)) => {
                AT_SEND
            }
            AT_GENERATE => AT_SEND_RESPONSE_HDR,
            AT_DONE => AT_DONE,
            at => at + 1,
        };
    }

    /// The current work failed: tshost answers with `status` (once a response is being made or
    /// sent, nothing else can be sent: the transaction is over).
    pub fn failed(&mut self, status: u16) {
        if self.at >= AT_SEND {
            self.at = AT_DONE;
        } else {
            self.generate(Generated::Status(status));
        }
    }

    /// The client is gone: nothing more is done for it.
    pub fn client_gone(&mut self) {
        self.at = AT_DONE;
    }

    fn generate(&mut self, what: Generated) {
        self.generating = Some(what);
        self.at = AT_GENERATE;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drive a machine: every hook point continues unless `error_at` says ERROR; every work
    /// succeeds unless `fail` names it. The steps it took.
    fn walk(
        error_at: Option<i32>,
        status_at_pre_remap: i32,
        fail: Option<(Step, u16)>,
    ) -> Vec<Step> {
        let mut m = Machine::new();
        let mut steps = Vec::new();
        for _ in 0..64 {
            let s = m.next();
            steps.push(s);
            match s {
                Step::Hooks(p) => {
                    let o = if error_at == Some(p) {
                        Outcome::Error
                    } else {
                        Outcome::Continue
                    };
                    m.hooks_ran(o, || {
                        if p == id::PRE_REMAP {
                            status_at_pre_remap
                        } else {
                            0
                        }
                    });
                }
                Step::Done => return steps,
                w => match fail {
                    Some((f, status)) if f == w => m.failed(status),
                    _ => m.worked(),
                },
            }
        }
        panic!("no end: {steps:?}")
    }

    #[test]
    fn skipping_remap_goes_from_read_request_hdr_to_finding_the_origin() {
        let mut m = Machine::new();
        assert!(!m.skip_remap(), "not before READ_REQUEST_HDR");
        m.hooks_ran(Outcome::Continue, || 0);
        m.worked();
        assert_eq!(m.next(), Step::Hooks(id::READ_REQUEST_HDR));
        m.hooks_ran(Outcome::Continue, || 0);
        assert!(m.skip_remap());
        assert_eq!(m.next(), Step::FindOrigin);
        assert!(!m.skip_remap(), "once");
        m.worked();
        assert_eq!(m.next(), Step::Hooks(id::OS_DNS));
    }

    #[test]
    fn a_redirect_goes_back_from_read_response_hdr_to_finding_the_origin() {
        let mut m = Machine::new();
        while m.next() != Step::Respond {
            assert!(
                !m.follow_redirect(),
                "only after READ_RESPONSE_HDR: {:?}",
                m.next()
            );
            match m.next() {
                Step::Hooks(_) => {
                    m.hooks_ran(Outcome::Continue, || 0);
                }
                _ => m.worked(),
            }
        }
        assert!(m.follow_redirect());
        assert_eq!(m.next(), Step::FindOrigin);
        m.worked();
        assert_eq!(m.next(), Step::Hooks(id::OS_DNS));
    }

    fn hooks(steps: &[Step]) -> Vec<i32> {
        steps
            .iter()
            .filter_map(|s| match s {
                Step::Hooks(p) => Some(*p),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_proxied_transaction_walks_every_point_in_ats_order() {
        let steps = walk(None, 0, None);
        assert_eq!(hooks(&steps), crate::hooks::TXN_SEQUENCE[..9].to_vec());
        assert_eq!(steps[1], Step::ReadRequest);
        assert_eq!(steps[steps.len() - 2], Step::Send);
    }

    #[test]
    fn error_at_a_hook_point_skips_to_the_api_error_response_and_its_send_response_hooks() {
        let steps = walk(Some(id::PRE_REMAP), 0, None);
        assert_eq!(
            hooks(&steps),
            [
                id::TXN_START,
                id::READ_REQUEST_HDR,
                id::PRE_REMAP,
                id::SEND_RESPONSE_HDR
            ]
        );
        assert!(steps.contains(&Step::Generate(Generated::Api(id::PRE_REMAP))));
        assert!(!steps.contains(&Step::Remap));
    }

    #[test]
    fn error_at_send_response_hdr_replaces_the_response_without_running_those_hooks_again() {
        let steps = walk(Some(id::SEND_RESPONSE_HDR), 0, None);
        let tail = &steps[steps.len() - 4..];
        assert_eq!(
            tail,
            [
                Step::Hooks(id::SEND_RESPONSE_HDR),
                Step::Generate(Generated::Api(id::SEND_RESPONSE_HDR)),
                Step::Send,
                Step::Done
            ]
        );
    }

    #[test]
    fn a_status_set_before_the_end_of_pre_remap_is_answered_without_remap_or_origin() {
        let steps = walk(None, 403, None);
        assert_eq!(
            hooks(&steps),
            [
                id::TXN_START,
                id::READ_REQUEST_HDR,
                id::PRE_REMAP,
                id::SEND_RESPONSE_HDR
            ]
        );
        assert!(steps.contains(&Step::Generate(Generated::Status(403))));
    }

    #[test]
    fn a_failed_origin_skips_to_send_response_hdr_with_the_status() {
        let steps = walk(None, 0, Some((Step::Connect, 502)));
        assert_eq!(hooks(&steps).last(), Some(&id::SEND_RESPONSE_HDR));
        assert!(!hooks(&steps).contains(&id::SEND_REQUEST_HDR));
        assert!(steps.contains(&Step::Generate(Generated::Status(502))));
    }

    #[test]
    fn a_failure_while_sending_ends_the_transaction() {
        let steps = walk(None, 0, Some((Step::Send, 500)));
        assert_eq!(steps.last(), Some(&Step::Done));
        assert_eq!(steps.iter().filter(|s| **s == Step::Send).count(), 1);
    }

    #[test]
    fn a_client_gone_ends_the_transaction_at_once() {
        let mut m = Machine::new();
        m.hooks_ran(Outcome::Continue, || 0);
        m.client_gone();
        assert_eq!(m.next(), Step::Done);
        assert!(!m.generated());
    }
}
