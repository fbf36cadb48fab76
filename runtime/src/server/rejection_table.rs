//! The table that maps each [`RejectReason`] to the documented gateway code the layer answers.

use crate::rejection::RejectReason;
use crate::result_status::ResultStatus;

/// One documented gateway result code: what the layer answers for one [`RejectReason`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommonCode {
    /// `resultCode`, e.g. `"INVALID_SIGNATURE"`.
    pub code: String,
    /// `resultStatus`.
    pub status: ResultStatus,
    /// The documented `resultMessage`; the layer appends a short detail.
    pub message: String,
    /// HTTP status to answer with (200 per protocol.md §D7, ASSUMPTION). The generator
    /// checks the spec's value is a status (100..=599); the layer answers 500 for one that
    /// is not.
    pub http_status: u16,
}

/// The code for every [`RejectReason`]. Complete by construction: [`from_fn`] asks for
/// each reason once, so there is no table with a gap to refuse at run time.
///
/// [`from_fn`]: RejectionTable::from_fn
#[derive(Debug, Clone)]
pub struct RejectionTable {
    codes: [CommonCode; RejectReason::ALL.len()],
}

impl RejectionTable {
    /// Builds the table by asking `code_for` for each reason, in [`RejectReason::ALL`] order.
    pub fn from_fn(code_for: impl FnMut(RejectReason) -> CommonCode) -> Self {
        RejectionTable {
            codes: RejectReason::ALL.map(code_for),
        }
    }

    /// The code for `reason`.
    pub fn get(&self, reason: RejectReason) -> &CommonCode {
        // `ALL` lists the variants in declaration order, so the discriminant is the index.
        &self.codes[reason as usize]
    }

    /// Every reason with its code, in [`RejectReason::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (RejectReason, &CommonCode)> {
        RejectReason::ALL.into_iter().zip(self.codes.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_gets_its_own_code() {
        let table = RejectionTable::from_fn(|reason| CommonCode {
            code: reason.as_str().to_uppercase(),
            status: ResultStatus::Failure,
            message: "m".into(),
            http_status: 200,
        });
        for (i, reason) in RejectReason::ALL.into_iter().enumerate() {
            assert_eq!(reason as usize, i, "ALL is in declaration order");
            assert_eq!(table.get(reason).code, reason.as_str().to_uppercase());
        }
        assert_eq!(table.iter().count(), RejectReason::ALL.len());
    }
}
