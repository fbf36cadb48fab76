//! Text helpers for Markdown, shared by the rustdoc comments the emitters write and the API
//! reference (`docs`).

/// Escapes text for rustdoc markdown: angle brackets outside code spans would be HTML.
pub fn rustdoc_escape(text: &str) -> String {
    if !contains_any(text, b"<>") {
        return text.to_string();
    }
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 0 {
                part.replace('<', "&lt;").replace('>', "&gt;")
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// Whether `text` holds any of the ASCII bytes `set`: a byte scan, where a `str` search for a
/// set of chars decodes every char (a tenth of the doc-text cost on a large spec).
pub fn contains_any(text: &str, set: &[u8]) -> bool {
    debug_assert!(set.is_ascii());
    text.bytes().any(|b| set.contains(&b))
}
