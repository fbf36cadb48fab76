//! The `S` / `F` / `U` status every AlipayHK result object carries.

use std::fmt;
use std::str::FromStr;

/// `resultStatus` of a result object (protocol.md §D2).
///
/// `Unknown` (`U`) means the outcome is not known: retry with the same business id or
/// inquire. The client transport also reports transport-level ambiguity (missing or
/// invalid response signature, non-200 status) as an "outcome unknown" error so that
/// callers handle both the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultStatus {
    /// `S`: the call succeeded.
    Success,
    /// `F`: the call failed; nothing was done.
    Failure,
    /// `U`: the outcome is unknown; retry with the same id or inquire.
    Unknown,
}

impl ResultStatus {
    /// The wire value: `"S"`, `"F"` or `"U"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResultStatus::Success => "S",
            ResultStatus::Failure => "F",
            ResultStatus::Unknown => "U",
        }
    }

    /// The status a result ends with, from the status its code is documented with (`None`
    /// for a code the operation and the gateway do not document) and the `resultStatus` on
    /// the wire (`None` when missing or not `S`/`F`/`U`). A documented code keeps its
    /// documented status (so Redeem's `UNKNOWN_EXCEPTION` stays `F`, as its page says); an
    /// undocumented code goes by its `resultStatus`. When `resultStatus` is missing, or
    /// contradicts the table (say `SUCCESS` with `F`), nobody can tell what happened: `U`.
    ///
    /// The one decision behind the generated client, `alipayhk call`, the proxy and the
    /// conformance suite.
    pub fn decide(documented: Option<ResultStatus>, wire: Option<ResultStatus>) -> ResultStatus {
        match (documented, wire) {
            (_, None) => ResultStatus::Unknown,
            (Some(documented), Some(wire)) if documented != wire => ResultStatus::Unknown,
            (Some(documented), Some(_)) => documented,
            (None, Some(wire)) => wire,
        }
    }
}

impl fmt::Display for ResultStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `resultStatus` value other than `S`, `F` or `U`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("resultStatus {0:?} is not one of \"S\", \"F\", \"U\"; treat the outcome as unknown")]
pub struct InvalidResultStatus(pub String);

impl FromStr for ResultStatus {
    type Err = InvalidResultStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "S" => Ok(ResultStatus::Success),
            "F" => Ok(ResultStatus::Failure),
            "U" => Ok(ResultStatus::Unknown),
            other => Err(InvalidResultStatus(other.to_owned())),
        }
    }
}

impl serde::Serialize for ResultStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ResultStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_round_trip() {
        for status in [
            ResultStatus::Success,
            ResultStatus::Failure,
            ResultStatus::Unknown,
        ] {
            assert_eq!(status.as_str().parse::<ResultStatus>(), Ok(status));
            let json = serde_json::to_string(&status).expect("serialize");
            assert_eq!(
                serde_json::from_str::<ResultStatus>(&json).ok(),
                Some(status)
            );
        }
    }

    #[test]
    fn lower_case_is_not_a_status() {
        assert!("s".parse::<ResultStatus>().is_err());
    }
}
