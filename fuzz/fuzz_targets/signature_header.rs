//! `SignatureHeader::parse` on arbitrary text; whatever parses must survive
//! parse -> to_header_value -> parse unchanged, in the SDKs' canonical form.
#![no_main]

use alipayhk_runtime::signature::SignatureHeader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    let header = match SignatureHeader::parse(value) {
        Ok(header) => header,
        Err(error) => {
            // Error messages are built from the input; they must format.
            let _ = error.to_string();
            return;
        }
    };
    let canonical = header.to_header_value();
    assert_eq!(
        header.to_string(),
        canonical,
        "Display differs from to_header_value"
    );
    // What we send is one token list without spaces, a valid HTTP header value.
    assert!(
        canonical.bytes().all(|b| b.is_ascii_graphic()),
        "canonical form {canonical:?} has a non-graphic byte"
    );
    assert!(http::HeaderValue::from_str(&canonical).is_ok());
    let again = SignatureHeader::parse(&canonical).unwrap_or_else(|e| {
        panic!("canonical form {canonical:?} of {value:?} does not parse: {e}")
    });
    assert_eq!(
        again, header,
        "round trip changed {value:?} (canonical {canonical:?})"
    );
    assert_eq!(
        again.to_header_value(),
        canonical,
        "canonical form is not a fixed point"
    );
});
