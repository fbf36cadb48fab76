//! `--record-filter operation=…,resultCode=…`: which exchanges a recording keeps.

use std::collections::BTreeSet;

/// Keeps an exchange when every key given matches one of its values (`operation=a,operation=b`
/// keeps either operation). The empty filter keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    operations: BTreeSet<String>,
    result_codes: BTreeSet<String>,
}

impl Filter {
    /// Parses `key=value[,key=value...]`; the keys are `operation` and `resultCode`.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let mut filter = Filter::default();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| format!("{item:?} is not key=value"))?;
            let (key, value) = (key.trim(), value.trim());
            if value.is_empty() {
                return Err(format!("{key}= needs a value"));
            }
            match key {
                "operation" => filter.operations.insert(value.to_string()),
                "resultCode" => filter.result_codes.insert(value.to_string()),
                other => {
                    return Err(format!(
                        "unknown filter key {other:?} (operation and resultCode are)"
                    ));
                }
            };
        }
        Ok(filter)
    }

    /// Whether an exchange of `operation` that answered `result_code` is kept.
    pub fn keeps(&self, operation: &str, result_code: Option<&str>) -> bool {
        (self.operations.is_empty() || self.operations.contains(operation))
            && (self.result_codes.is_empty()
                || result_code.is_some_and(|code| self.result_codes.contains(code)))
    }
}
