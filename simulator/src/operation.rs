//! The five operations, named by their spec `operationId`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the five AlipayHK operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Operation {
    /// `inquireAPoint`
    InquireAPoint,
    /// `issueAPoint`
    IssueAPoint,
    /// `redeemAPoint`
    RedeemAPoint,
    /// `queryTemplate`
    QueryTemplate,
    /// `updateMembershipCard`
    UpdateMembershipCard,
}

impl Operation {
    /// All five, in spec order.
    pub const ALL: [Operation; 5] = [
        Self::InquireAPoint,
        Self::IssueAPoint,
        Self::RedeemAPoint,
        Self::QueryTemplate,
        Self::UpdateMembershipCard,
    ];

    /// The spec's `operationId`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InquireAPoint => "inquireAPoint",
            Self::IssueAPoint => "issueAPoint",
            Self::RedeemAPoint => "redeemAPoint",
            Self::QueryTemplate => "queryTemplate",
            Self::UpdateMembershipCard => "updateMembershipCard",
        }
    }

    /// The operation's `*_ILLEGAL` code (Inquire says `PARAMETER_ILLEGAL`, a doc quirk).
    pub fn illegal_parameter_code(self) -> &'static str {
        match self {
            Self::InquireAPoint => crate::codes::PARAMETER_ILLEGAL,
            _ => crate::codes::PARAM_ILLEGAL,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operation name that is not one of the five.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "unknown operation `{0}`; use one of inquireAPoint, issueAPoint, redeemAPoint, queryTemplate, updateMembershipCard"
)]
pub struct UnknownOperation(pub String);

impl FromStr for Operation {
    type Err = UnknownOperation;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| UnknownOperation(text.to_string()))
    }
}

impl TryFrom<String> for Operation {
    type Error = UnknownOperation;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Operation> for String {
    fn from(op: Operation) -> Self {
        op.as_str().to_string()
    }
}
