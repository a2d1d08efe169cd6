//! ts.h: a transaction's milestones (TSHttpTxnMilestoneGet), the times kept in
//! `crate::txn::milestones`.
use super::http::txn_arg;
use super::{guard, here};
use crate::sys::types::{
    TSHRTime, TSHttpTxn, TSMilestonesTypeRaw, TSReturnCodeRaw, TS_ERROR, TS_SUCCESS,
};
use crate::txn::milestones;

/// When the transaction reached `milestone`, in nanoseconds since the epoch (TShrtime's clock),
/// into `*time`; 0 for a point it did not reach (tshost has no cache and no DNS lookups of its
/// own, and does not time plugins: those read 0). TS_ERROR, with `*time` -1, for a milestone out
/// of range (as ATS); TS_ERROR (logged) for a dead transaction or a NULL `time`. tshost stamps
/// milestones once a plugin that imports this function is loaded; a plugin that finds it at run
/// time turns stamping on with its first call (that transaction's earlier points read 0).
#[no_mangle]
pub unsafe extern "C" fn TSHttpTxnMilestoneGet(
    txnp: TSHttpTxn,
    milestone: TSMilestonesTypeRaw,
    time: *mut TSHRTime,
) -> TSReturnCodeRaw {
    guard!(TS_ERROR, || {
        let who = here!();
        if time.is_null() {
            crate::error!("{who}: NULL time");
            return TS_ERROR;
        }
        let Some(txn) = txn_arg(who, txnp) else {
            return TS_ERROR;
        };
        if !milestones::enabled() {
            crate::note!(
                "{who}: transaction milestones are stamped from now on (a plugin found this \
                 function at run time)"
            );
            milestones::enable();
        }
        let value = usize::try_from(milestone)
            .ok()
            .and_then(|m| txn.milestones.get(m));
        // SAFETY: non-NULL (checked above): the plugin's TSHRTime.
        unsafe { time.write(value.unwrap_or(-1)) };
        if value.is_some() {
            TS_SUCCESS
        } else {
            TS_ERROR
        }
    })
}
