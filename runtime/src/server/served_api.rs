//! What a [`SigningLayer`](super::SigningLayer) serves, as the spec states it: the
//! operations' paths and the gateway codes. Generated code builds it once from the spec
//! (`alipayhk_api::spec::served_api()`); a hand-written server builds its own.

use super::RejectionTable;

/// One API path the layer serves and where its result object lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The exact request path, e.g. `/api/open/alipay/v1/ipass/pass/manage/updatePass`.
    pub path: String,
    /// The response property carrying the result object: `"result"` or `"resultInfo"`.
    pub result_field: String,
}

impl Route {
    /// A route whose result object is under `result_field`.
    pub fn new(path: impl Into<String>, result_field: impl Into<String>) -> Self {
        Route {
            path: path.into(),
            result_field: result_field.into(),
        }
    }
}

/// The routes and rejection codes of one API.
#[derive(Debug, Clone)]
pub struct ServedApi {
    /// The served paths; any other path is answered with [`UnknownApi`](crate::RejectReason::UnknownApi).
    pub routes: Vec<Route>,
    /// The code answered for each refusal.
    pub rejections: RejectionTable,
}

impl ServedApi {
    /// The route for `path`, if it is served.
    pub(crate) fn route(&self, path: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.path == path)
    }
}
