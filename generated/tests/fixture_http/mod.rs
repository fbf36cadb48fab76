//! The feature fixture's generated server and client over real HTTP on 127.0.0.1: a handler
//! whose response carries a `writeOnly` property (`history[].secret` of `getWidget`) never
//! gets it onto the wire. The server logs the handler's bug and answers
//! `UNKNOWN_EXCEPTION`, which the client reports as an unknown outcome. A request with a key
//! that `additionalProperties: false` forbids is refused before the handler runs.

use std::sync::Arc;
use std::time::Duration;

use crate::models::*;
use crate::result_codes::*;
use crate::server::{AlipayHkApi, HandlerError, router};
use crate::{client, spec};
use alipayhk_runtime::client::{ClientConfig, Transport};
use alipayhk_runtime::keys::PrivateKey;
use alipayhk_runtime::outcome::{CallError, UnknownOutcome};
use alipayhk_runtime::server::{CallerContext, InMemoryKeyStore, ServerConfig};
use alipayhk_runtime::signature::KeySigner;

const CLIENT_ID: &str = "TEST_CLIENT";
const SECRET: &str = "s3cret-never-sent";

/// Answers `getWidget` with a history whose second entry carries `secret` when `leak` is set.
struct Widgets {
    leak: bool,
}

impl AlipayHkApi for Widgets {
    async fn create_widget(
        &self,
        _ctx: CallerContext,
        _request: CreateWidgetRequest,
    ) -> Result<CreateWidgetResponse, HandlerError<CreateWidgetFailure>> {
        Err(HandlerError::msg("not used by these tests"))
    }

    async fn get_widget(
        &self,
        _ctx: CallerContext,
        _request: GetWidgetRequest,
    ) -> Result<GetWidgetResponse, HandlerError<GetWidgetFailure>> {
        let second = Catalog::new("S-2").with_id("C-2");
        let second = if self.leak {
            second.with_secret(SECRET)
        } else {
            second
        };
        Ok(GetWidgetResponse::from_code(GetWidgetResultCode::Success)
            .with_history(vec![Catalog::new("S-1").with_id("C-1"), second]))
    }
}

/// Serves `api` on a free port; returns the client and a raw transport to see the wire.
async fn serve(api: Widgets) -> (client::Client, Transport) {
    let partner = PrivateKey::generate_rsa2048().expect("partner key");
    let alipay = PrivateKey::generate_rsa2048().expect("alipay key");
    let store = InMemoryKeyStore::new().with_key(CLIENT_ID, 1, partner.public_key());
    let config = ServerConfig::new(
        Arc::new(KeySigner::new(alipay.clone(), Some(1))),
        Arc::new(store),
    );
    let app = router(Arc::new(api), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let config = ClientConfig::new(
        format!("http://{addr}"),
        CLIENT_ID,
        Arc::new(KeySigner::new(partner, Some(1))),
        alipay.public_key(),
    )
    .with_timeouts(Duration::from_secs(5), Duration::from_secs(10));
    let transport = Transport::new(config.clone()).expect("valid config");
    (
        client::Client::new(config).expect("valid config"),
        transport,
    )
}

/// The `getWidget` answer as sent: signed, verified by the transport, decoded as JSON.
async fn wire_answer(transport: &Transport) -> serde_json::Value {
    let body = serde_json::to_vec(&GetWidgetRequest::new("W-1")).expect("encodes");
    let raw = transport
        .send(spec::paths::GET_WIDGET, body, &|_| false)
        .await
        .expect("a signed 200 answer");
    serde_json::from_slice(&raw.body).expect("JSON body")
}

#[tokio::test]
async fn a_response_carrying_a_write_only_property_is_never_sent() {
    let (client, transport) = serve(Widgets { leak: true }).await;
    let answer = wire_answer(&transport).await;
    assert_eq!(
        answer["resultInfo"]["resultCode"], "UNKNOWN_EXCEPTION",
        "{answer}"
    );
    assert!(answer.get("history").is_none(), "{answer}");
    assert!(!answer.to_string().contains(SECRET), "{answer}");
    // The client sees an unknown outcome, never the handler's response.
    match client.get_widget(&GetWidgetRequest::new("W-1")).await {
        Err(CallError::Unknown {
            reason: UnknownOutcome::ResultUnknown { code, .. },
            ..
        }) => assert_eq!(code, "UNKNOWN_EXCEPTION"),
        other => panic!("expected an unknown outcome, got {other:?}"),
    }
}

#[tokio::test]
async fn the_same_response_without_the_write_only_property_is_sent() {
    let (client, transport) = serve(Widgets { leak: false }).await;
    let answer = wire_answer(&transport).await;
    assert_eq!(answer["resultInfo"]["resultCode"], "SUCCESS", "{answer}");
    assert_eq!(answer["history"][1]["id"], "C-2", "{answer}");
    let response = client
        .get_widget(&GetWidgetRequest::new("W-1"))
        .await
        .expect("success")
        .into_inner();
    assert_eq!(response.history.map(|h| h.len()), Some(2));
}

#[tokio::test]
async fn the_server_refuses_a_key_that_additional_properties_false_forbids() {
    let (client, transport) = serve(Widgets { leak: false }).await;
    let body = serde_json::json!({"widgetId": "W-1", "filter": {"color": "red", "colour": "red"}});
    let raw = transport
        .send(
            spec::paths::GET_WIDGET,
            body.to_string().into_bytes(),
            &|_| false,
        )
        .await
        .expect("a signed 200 answer");
    let answer: serde_json::Value = serde_json::from_slice(&raw.body).expect("JSON body");
    assert_eq!(
        answer["resultInfo"]["resultCode"], "PARAMETER_ILLEGAL",
        "{answer}"
    );
    let message = answer["resultInfo"]["resultMessage"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("filter.colour"), "{answer}");
    // The same request without the forbidden key is served.
    let request = GetWidgetRequest::new("W-1").with_filter(Filter::new().with_color("red"));
    let response = client.get_widget(&request).await.expect("success");
    assert_eq!(response.into_inner().history.map(|h| h.len()), Some(2));
}
