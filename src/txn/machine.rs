//! The transaction machine without I/O: the order of a transaction's hook points and of the work
//! between them, and ATS's rules for what comes next (HttpSM with the cache off). Neither the
//! network nor the clock enters it: a driver asks [`Machine::next`] what to do, does it (runs the
//! hooks of a point, reads a request, reaches an origin, ...) and reports how it went. The proxy
//! drives it with sockets (`proxy::sm`), the harness with synthetic events (`harness`): a rule
//! changed here changes both.
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

/// The work a driver does between hook points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
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
}

/// What a driver does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Run the hooks of this point, then [`Machine::hooks_ran`].
    Hooks(i32),
    /// Do this, then [`Machine::worked`], [`Machine::failed`] or [`Machine::client_gone`].
    Work(Work),
    /// The transaction is over (TXN_CLOSE is next, run by the session).
    Done,
}

/// One transaction's place in the sequence.
#[derive(Debug)]
pub struct Machine {
    next: Step,
    /// The response is one tshost made (it is what SEND_RESPONSE_HDR sees).
    generated: bool,
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
            next: Step::Hooks(id::TXN_START),
            generated: false,
        }
    }

    /// What to do next.
    pub fn next(&self) -> Step {
        self.next
    }

    /// The response at hand is one tshost made.
    pub fn generated(&self) -> bool {
        self.generated
    }

    /// The hooks of the current point ran to `outcome`; `status` is the transaction's status as a
    /// plugin set it (TSHttpTxnStatusSet; 0 if none).
    pub fn hooks_ran(&mut self, outcome: Outcome, status: i32) {
        let Step::Hooks(point) = self.next else {
            debug_assert!(false, "hooks_ran at {:?}", self.next);
            return;
        };
        if outcome == Outcome::Error {
            self.generate(Generated::Api(point));
            return;
        }
        self.next = match point {
            id::TXN_START => Step::Work(Work::ReadRequest),
            id::READ_REQUEST_HDR => Step::Hooks(id::PRE_REMAP),
            // A status set by a plugin up to here: tshost answers with it.
            id::PRE_REMAP if status != 0 => {
                return self.generate(Generated::Status(status.clamp(0, u16::MAX as i32) as u16));
            }
            id::PRE_REMAP => Step::Work(Work::Remap),
            id::POST_REMAP => Step::Work(Work::FindOrigin),
            id::OS_DNS => Step::Hooks(id::CACHE_LOOKUP_COMPLETE),
            id::CACHE_LOOKUP_COMPLETE => Step::Work(Work::Connect),
            id::SEND_REQUEST_HDR => Step::Work(Work::Exchange),
            id::READ_RESPONSE_HDR => Step::Work(Work::Respond),
            id::SEND_RESPONSE_HDR => Step::Work(Work::Send),
            _ => Step::Done,
        };
    }

    /// The current work is done.
    pub fn worked(&mut self) {
        let Step::Work(work) = self.next else {
            debug_assert!(false, "worked at {:?}", self.next);
            return;
        };
        self.next = match work {
            Work::ReadRequest => Step::Hooks(id::READ_REQUEST_HDR),
            Work::Remap => Step::Hooks(id::POST_REMAP),
            Work::FindOrigin => Step::Hooks(id::OS_DNS),
            Work::Connect => Step::Hooks(id::SEND_REQUEST_HDR),
            Work::Exchange => Step::Hooks(id::READ_RESPONSE_HDR),
            Work::Respond => Step::Hooks(id::SEND_RESPONSE_HDR),
            // SEND_RESPONSE_HDR's hooks saw the response this one replaces: they do not run again.
            Work::Generate(Generated::Api(id::SEND_RESPONSE_HDR)) => Step::Work(Work::Send),
            Work::Generate(_) => Step::Hooks(id::SEND_RESPONSE_HDR),
            Work::Send => Step::Done,
        };
    }

    /// The current work failed: tshost answers with `status` (once a response is being made or
    /// sent, nothing else can be sent: the transaction is over).
    pub fn failed(&mut self, status: u16) {
        match self.next {
            Step::Work(Work::Generate(_) | Work::Send) | Step::Done => self.next = Step::Done,
            _ => self.generate(Generated::Status(status)),
        }
    }

    /// The client is gone: nothing more is done for it.
    pub fn client_gone(&mut self) {
        self.next = Step::Done;
    }

    fn generate(&mut self, what: Generated) {
        self.generated = true;
        self.next = Step::Work(Work::Generate(what));
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
        fail: Option<(Work, u16)>,
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
                    m.hooks_ran(
                        o,
                        if p == id::PRE_REMAP {
                            status_at_pre_remap
                        } else {
                            0
                        },
                    );
                }
                Step::Work(w) => match fail {
                    Some((f, status)) if f == w => m.failed(status),
                    _ => m.worked(),
                },
                Step::Done => return steps,
            }
        }
        panic!("no end: {steps:?}")
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
        assert_eq!(steps[1], Step::Work(Work::ReadRequest));
        assert_eq!(steps[steps.len() - 2], Step::Work(Work::Send));
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
        assert!(steps.contains(&Step::Work(Work::Generate(Generated::Api(id::PRE_REMAP)))));
        assert!(!steps.contains(&Step::Work(Work::Remap)));
    }

    #[test]
    fn error_at_send_response_hdr_replaces_the_response_without_running_those_hooks_again() {
        let steps = walk(Some(id::SEND_RESPONSE_HDR), 0, None);
        let tail = &steps[steps.len() - 4..];
        assert_eq!(
            tail,
            [
                Step::Hooks(id::SEND_RESPONSE_HDR),
                Step::Work(Work::Generate(Generated::Api(id::SEND_RESPONSE_HDR))),
                Step::Work(Work::Send),
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
        assert!(steps.contains(&Step::Work(Work::Generate(Generated::Status(403)))));
    }

    #[test]
    fn a_failed_origin_skips_to_send_response_hdr_with_the_status() {
        let steps = walk(None, 0, Some((Work::Connect, 502)));
        assert_eq!(hooks(&steps).last(), Some(&id::SEND_RESPONSE_HDR));
        assert!(!hooks(&steps).contains(&id::SEND_REQUEST_HDR));
        assert!(steps.contains(&Step::Work(Work::Generate(Generated::Status(502)))));
    }

    #[test]
    fn a_failure_while_sending_ends_the_transaction() {
        let steps = walk(None, 0, Some((Work::Send, 500)));
        assert_eq!(steps.last(), Some(&Step::Done));
        assert_eq!(
            steps
                .iter()
                .filter(|s| **s == Step::Work(Work::Send))
                .count(),
            1
        );
    }

    #[test]
    fn a_client_gone_ends_the_transaction_at_once() {
        let mut m = Machine::new();
        m.hooks_ran(Outcome::Continue, 0);
        m.client_gone();
        assert_eq!(m.next(), Step::Done);
        assert!(!m.generated());
    }
}
