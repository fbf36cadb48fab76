//! Whether one regular expression accepts everything another does: what `spec-diff` needs
//! to call a changed request pattern a loosening (safe for callers) rather than a change it
//! cannot judge.
//!
//! Both patterns are compiled to DFAs (the `regex` crate's own engine, `regex-automata`)
//! and walked side by side, byte by byte, looking for an input the old one matches and the
//! new one does not. Matching is `Regex::is_match`'s (a match anywhere, as `validate()`
//! checks patterns). The walk is bounded: past [`MAX_STATES`] pairs, or for a pattern too
//! large to compile, the answer is "cannot tell".

use std::collections::{HashMap, VecDeque};

use regex_automata::dfa::{Automaton, dense};
use regex_automata::util::primitives::StateID;
use regex_automata::{Anchored, Input};

/// The most state pairs the walk visits before it gives up.
const MAX_STATES: usize = 200_000;

/// How one pattern compares with another, for the strings they accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inclusion {
    /// Every string the old pattern accepts, the new one accepts too.
    Wider,
    /// A string (shown) the old pattern accepts and the new one refuses.
    Narrower(String),
    /// Too large to decide, or a pattern that does not compile.
    Unknown,
}

/// Does `new` accept every string `old` accepts?
pub fn compare(old: &str, new: &str) -> Inclusion {
    let build = |pattern: &str| {
        dense::Builder::new()
            .configure(
                dense::Config::new()
                    .dfa_size_limit(Some(8 << 20))
                    .determinize_size_limit(Some(8 << 20)),
            )
            .build(pattern)
            .ok()
    };
    let (Some(a), Some(b)) = (build(old), build(new)) else {
        return Inclusion::Unknown;
    };
    let start = |dfa: &dense::DFA<Vec<u32>>| {
        dfa.start_state_forward(&Input::new("").anchored(Anchored::No))
            .ok()
    };
    let (Some(sa), Some(sb)) = (start(&a), start(&b)) else {
        return Inclusion::Unknown;
    };
    // A configuration: each DFA's state and whether it has matched already.
    type Config = (StateID, bool, StateID, bool);
    let first: Config = (sa, false, sb, false);
    let mut parent: HashMap<Config, Option<(Config, u8)>> = HashMap::from([(first, None)]);
    let mut queue = VecDeque::from([first]);
    while let Some(config @ (x, mx, y, my)) = queue.pop_front() {
        let old_accepts = mx || a.is_match_state(a.next_eoi_state(x));
        let new_accepts = my || b.is_match_state(b.next_eoi_state(y));
        if old_accepts && !new_accepts {
            return witness(&parent, config);
        }
        // Once the new pattern has matched, it accepts every longer input; once the old
        // one can no longer match, no longer input can tell them apart.
        if my || (!mx && a.is_dead_state(x)) {
            continue;
        }
        for byte in 0..=255u8 {
            let nx = a.next_state(x, byte);
            let ny = b.next_state(y, byte);
            let next = (
                nx,
                mx || a.is_match_state(nx),
                ny,
                my || b.is_match_state(ny),
            );
            if a.is_quit_state(nx) || b.is_quit_state(ny) {
                return Inclusion::Unknown;
            }
            if !parent.contains_key(&next) {
                if parent.len() >= MAX_STATES {
                    return Inclusion::Unknown;
                }
                parent.insert(next, Some((config, byte)));
                queue.push_back(next);
            }
        }
    }
    Inclusion::Wider
}

/// The input that leads to `config`, when it is text.
fn witness<C: std::hash::Hash + Eq + Copy>(
    parent: &HashMap<C, Option<(C, u8)>>,
    mut config: C,
) -> Inclusion {
    let mut bytes = Vec::new();
    while let Some(Some((previous, byte))) = parent.get(&config) {
        bytes.push(*byte);
        config = *previous;
    }
    bytes.reverse();
    match String::from_utf8(bytes) {
        Ok(text) => Inclusion::Narrower(text),
        // Only text reaches a pattern: a byte string proves nothing.
        Err(_) => Inclusion::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD_TIME: &str = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$";
    const NEW_TIME: &str =
        r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([.,]\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)$";

    #[test]
    fn a_pattern_that_takes_more_forms_is_wider() {
        assert_eq!(compare(OLD_TIME, NEW_TIME), Inclusion::Wider);
        assert_eq!(compare("^2160", "^21"), Inclusion::Wider);
        assert_eq!(compare("^[a-c]+$", "^[a-z]+$"), Inclusion::Wider);
        assert_eq!(compare("^abc$", "abc"), Inclusion::Wider);
    }

    #[test]
    fn a_narrower_pattern_names_a_string_it_now_refuses() {
        let Inclusion::Narrower(example) = compare(NEW_TIME, OLD_TIME) else {
            panic!("narrower");
        };
        let (old, new) = (
            regex::Regex::new(NEW_TIME).expect("compiles"),
            regex::Regex::new(OLD_TIME).expect("compiles"),
        );
        assert!(
            old.is_match(&example) && !new.is_match(&example),
            "{example}"
        );
        assert!(matches!(
            compare("^[a-z]+$", "^[a-c]+$"),
            Inclusion::Narrower(_)
        ));
        assert!(matches!(compare("abc", "^abc$"), Inclusion::Narrower(_)));
    }

    #[test]
    fn patterns_it_cannot_compile_cannot_be_ordered() {
        assert_eq!(compare("(", "a"), Inclusion::Unknown);
        assert_eq!(compare("a", "(?=a)"), Inclusion::Unknown);
    }
}
