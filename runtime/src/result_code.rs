//! The trait generated result-code enums implement.

use crate::result_status::ResultStatus;

/// A generated result-code enum (`<Op>ResultCode`).
pub trait ResultCode: for<'a> From<&'a str> {
    /// The operation's failure codes (`<Op>Failure`): every code but `SUCCESS`.
    type Failure;

    /// The documented status, or `None` for a code the table does not list.
    fn documented_status(&self) -> Option<ResultStatus>;

    /// The failure code, or the code itself when it is a success code.
    fn into_failure(self) -> Result<Self::Failure, Self>;
}
