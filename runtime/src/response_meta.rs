//! What an answer said about itself, for every outcome that got one.

use http::HeaderMap;

/// What a received answer said about itself: the headers AlipayHK support asks for.
///
/// Every outcome that got an HTTP answer carries one: a success ([`ResponseValue`](crate::outcome::ResponseValue)), a
/// documented failure ([`CallError::Failed`](crate::outcome::CallError::Failed)) and an unknown outcome after an answer came
/// back ([`CallError::Unknown`](crate::outcome::CallError::Unknown), e.g. a `U` code, a 502 or a bad signature). When
/// [`verified`](ResponseMeta::verified) is `false` the answer's signature was not (or could
/// not be) checked, so its headers are as received, not proven.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseMeta {
    /// HTTP status (200 for every business answer).
    pub status: u16,
    /// `Tracer-Id`: quote it to AlipayHK support.
    pub tracer_id: Option<String>,
    /// `Response-Time` exactly as received.
    pub response_time: Option<String>,
    /// `Client-Id` the answer carries.
    pub client_id: Option<String>,
    /// `true` when the answer's signature verified (and its `Client-Id` and
    /// `Response-Time` were checked).
    pub verified: bool,
}

impl ResponseMeta {
    /// Reads the metadata headers of an answer with `status`.
    pub fn from_headers(status: u16, headers: &HeaderMap, verified: bool) -> Self {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        ResponseMeta {
            status,
            tracer_id: header(crate::headers::TRACER_ID),
            response_time: header(crate::headers::RESPONSE_TIME),
            client_id: header(crate::headers::CLIENT_ID),
            verified,
        }
    }
}
