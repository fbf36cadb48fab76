//! A request schema as the suite reads it: the generated table of request rules
//! (`alipayhk_api::spec::RequestRule`), JSON paths into bodies, and valid values built from
//! the rules. Nothing here names a field or a limit: every path, type and bound comes from
//! the table.
//!
//! Paths: `a.b` a property, `[]` any array item, `*` any map key (the table's patterns);
//! a concrete path names one value (`a.b[0].c`).

use alipayhk_api::spec::{Bound, JsonType, RequestRule, Rule};
use regex::Regex;
use serde_json::{Map, Value};

/// One step of a concrete path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An object member.
    Key(String),
    /// An array item.
    Index(usize),
}

/// `a.b[0].c` for a concrete path.
pub fn display(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The pattern segments of a table path: `a.b[]` is `a`, `b`, `[]`.
fn segments(pattern: &str) -> Vec<String> {
    let mut out = Vec::new();
    if pattern.is_empty() {
        return out;
    }
    for part in pattern.split('.') {
        let name = part.trim_end_matches("[]");
        out.push(name.to_owned());
        let arrays = (part.len() - name.len()) / 2;
        out.extend(std::iter::repeat_n("[]".to_owned(), arrays));
    }
    out
}

/// `parent.name` (or `parent[]`) of a table path.
fn child_pattern(parent: &str, segment: &str) -> String {
    if segment == "[]" {
        format!("{parent}[]")
    } else if parent.is_empty() {
        segment.to_owned()
    } else {
        format!("{parent}.{segment}")
    }
}

/// The value at a concrete path.
pub fn get<'v>(body: &'v Value, steps: &[Step]) -> Option<&'v Value> {
    steps.iter().try_fold(body, |v, step| match step {
        Step::Key(k) => v.get(k),
        Step::Index(i) => v.get(i),
    })
}

/// The value at a concrete path, mutably.
pub fn get_mut<'v>(body: &'v mut Value, steps: &[Step]) -> Option<&'v mut Value> {
    steps.iter().try_fold(body, |v, step| match step {
        Step::Key(k) => v.get_mut(k),
        Step::Index(i) => v.get_mut(*i),
    })
}

/// The object holding the member a concrete path ends in, and the member's name.
pub fn parent_object<'v>(
    body: &'v mut Value,
    steps: &[Step],
) -> Option<(&'v mut Map<String, Value>, String)> {
    let (last, parent) = steps.split_last()?;
    let Step::Key(name) = last else {
        return None;
    };
    let object = get_mut(body, parent)?.as_object_mut()?;
    Some((object, name.clone()))
}

/// A small deterministic random number generator (SplitMix64): the same seed gives the
/// same requests on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// A coin flip.
    pub fn coin(&mut self) -> bool {
        self.next_u64() & 1 == 1
    }
}

/// How deep generated values nest at most (recursive schemas end here).
const MAX_DEPTH: usize = 8;
/// Strings are generated at most this long unless a `minLength` asks for more.
const TYPICAL_STRING: u64 = 12;
/// Arrays and maps get at most this many generated items beyond their minimum.
const EXTRA_ITEMS: u64 = 2;
/// Characters of generated strings.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";

/// The bounds at a path: minimum and maximum (each with whether it is exclusive), and
/// `multipleOf`.
type NumberBounds = (Option<(Bound, bool)>, Option<(Bound, bool)>, Option<Bound>);

/// One operation's request schema: its rules and the values of its example by path.
#[derive(Debug, Clone)]
pub struct RequestSchema {
    rules: &'static [RequestRule],
    /// Example values by table path, for strings and untyped values the rules cannot build.
    examples: Vec<(String, Value)>,
}

impl RequestSchema {
    /// The schema of `rules`, with the values of `example` remembered by path.
    pub fn new(rules: &'static [RequestRule], example: &Value) -> RequestSchema {
        let mut schema = RequestSchema {
            rules,
            examples: Vec::new(),
        };
        let mut found = Vec::new();
        schema.collect_examples("", example, &mut found);
        schema.examples = found;
        schema
    }

    /// The table.
    pub fn rules(&self) -> &'static [RequestRule] {
        self.rules
    }

    fn collect_examples(&self, pattern: &str, value: &Value, out: &mut Vec<(String, Value)>) {
        out.push((pattern.to_owned(), value.clone()));
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let named = child_pattern(pattern, k);
                    let any = child_pattern(pattern, "*");
                    if self.at(&named).next().is_some() {
                        self.collect_examples(&named, v, out);
                    } else if self.at(&any).next().is_some() {
                        self.collect_examples(&any, v, out);
                    }
                }
            }
            Value::Array(items) => {
                let item = child_pattern(pattern, "[]");
                for v in items {
                    self.collect_examples(&item, v, out);
                }
            }
            _ => {}
        }
    }

    /// The rules at exactly `pattern`.
    pub fn at<'s>(&'s self, pattern: &'s str) -> impl Iterator<Item = &'static Rule> + 's {
        self.rules
            .iter()
            .filter(move |r| r.path == pattern)
            .map(|r| &r.rule)
    }

    /// The JSON type at `pattern` and whether `null` is allowed.
    pub fn json_type(&self, pattern: &str) -> (JsonType, bool) {
        self.at(pattern)
            .find_map(|r| match r {
                Rule::Type { ty, nullable } => Some((*ty, *nullable)),
                _ => None,
            })
            .unwrap_or((JsonType::Any, false))
    }

    /// The declared properties of the object at `pattern`, in spec order, with whether each
    /// is required.
    pub fn properties(&self, pattern: &str) -> Vec<(String, bool)> {
        let mut out: Vec<(String, bool)> = Vec::new();
        for rule in self.rules {
            let Some(name) = direct_child(pattern, rule.path) else {
                continue;
            };
            if name == "*" {
                continue;
            }
            let required = rule.rule == Rule::Required;
            match out.iter_mut().find(|(n, _)| n == name) {
                Some(entry) => entry.1 |= required,
                None => out.push((name.to_owned(), required)),
            }
        }
        out
    }

    /// An example value the spec gave at `pattern`, if any.
    pub fn example_at(&self, pattern: &str) -> Option<&Value> {
        self.examples
            .iter()
            .find(|(p, _)| p == pattern)
            .map(|(_, v)| v)
    }

    /// The table path of a concrete path in `body` (indexes become `[]`, undeclared keys of
    /// a map `*`).
    pub fn pattern_of(&self, steps: &[Step]) -> String {
        let mut pattern = String::new();
        for step in steps {
            pattern = match step {
                Step::Index(_) => child_pattern(&pattern, "[]"),
                Step::Key(k) => {
                    let named = child_pattern(&pattern, k);
                    if self.at(&named).next().is_some() {
                        named
                    } else {
                        child_pattern(&pattern, "*")
                    }
                }
            };
        }
        pattern
    }

    /// The concrete path of table path `pattern` in `body`: the first item of each array
    /// and the first key of each map, created (valid, from the rules) where `body` lacks
    /// them. `None` when a step is not an object or array as the path needs.
    pub fn instantiate(&self, body: &mut Value, pattern: &str, rng: &mut Rng) -> Option<Vec<Step>> {
        let mut steps = Vec::new();
        let mut prefix = String::new();
        let segs = segments(pattern);
        for (i, seg) in segs.iter().enumerate() {
            let last = i + 1 == segs.len();
            let next = child_pattern(&prefix, seg);
            let here = get_mut(body, &steps)?;
            let step = match seg.as_str() {
                "[]" => {
                    let items = here.as_array_mut()?;
                    if items.is_empty() {
                        items.push(self.valid(&next, rng, 0)?);
                    }
                    Step::Index(0)
                }
                "*" => {
                    let map = here.as_object_mut()?;
                    let declared = self.properties(&prefix);
                    let key = map
                        .keys()
                        .find(|k| !declared.iter().any(|(d, _)| d == *k))
                        .cloned();
                    let key = match key {
                        Some(k) => k,
                        None => {
                            let value = self.valid(&next, rng, 0)?;
                            map.insert("k0".to_owned(), value);
                            "k0".to_owned()
                        }
                    };
                    Step::Key(key)
                }
                name => {
                    let map = here.as_object_mut()?;
                    // The last step may be absent (a rule about the member itself).
                    if !last && !map.contains_key(name) {
                        let value = self.valid(&next, rng, 0)?;
                        map.insert(name.to_owned(), value);
                    }
                    Step::Key(name.to_owned())
                }
            };
            steps.push(step);
            prefix = next;
        }
        Some(steps)
    }

    /// A value valid at `pattern` by every rule there and below (`None` when the rules
    /// cannot be met by construction, e.g. a pattern with no example to start from).
    /// `size` 0 gives the smallest value (required members only, fewest items).
    pub fn valid(&self, pattern: &str, rng: &mut Rng, size: u32) -> Option<Value> {
        self.valid_at(pattern, rng, size, 0)
    }

    fn valid_at(&self, pattern: &str, rng: &mut Rng, size: u32, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let (ty, _) = self.json_type(pattern);
        let enum_values = self.at(pattern).find_map(|r| match r {
            Rule::Enum(values) => Some(*values),
            _ => None,
        });
        if let Some(values) = enum_values
            && !values.is_empty()
        {
            let pick = if size == 0 {
                0
            } else {
                rng.below(values.len() as u64) as usize
            };
            return Some(Value::String(values[pick].to_owned()));
        }
        match ty {
            JsonType::String => self.valid_string(pattern, rng, size),
            JsonType::Integer | JsonType::Integer32 => {
                Some(self.valid_integer(pattern, ty, rng, size))
            }
            JsonType::Number => Some(self.valid_number(pattern, rng, size)),
            JsonType::Boolean => Some(Value::Bool(size > 0 && rng.coin())),
            JsonType::Array => self.valid_array(pattern, rng, size, depth),
            JsonType::Object => self.valid_object(pattern, rng, size, depth),
            JsonType::Any => Some(
                self.example_at(pattern)
                    .cloned()
                    .unwrap_or_else(|| Value::String("x".to_owned())),
            ),
        }
    }

    fn valid_string(&self, pattern: &str, rng: &mut Rng, size: u32) -> Option<Value> {
        let mut min = 0;
        let mut max = u64::MAX;
        let mut regexes = Vec::new();
        let mut format = None;
        for rule in self.at(pattern) {
            match rule {
                Rule::MinLength(n) => min = *n,
                Rule::MaxLength(n) => max = *n,
                Rule::Pattern(p) => regexes.push(Regex::new(p).ok()?),
                Rule::Format(f) => format = Some(*f),
                _ => {}
            }
        }
        if let Some(f) = format {
            return Some(Value::String(format_example(f).to_owned()));
        }
        let fits = |s: &str| {
            let n = s.chars().count() as u64;
            n >= min && n <= max && regexes.iter().all(|re| re.is_match(s))
        };
        let example = self.example_at(pattern).and_then(Value::as_str);
        // Never empty: an empty string counts as absent for `x-either-of`.
        let target = if size == 0 {
            min.max(1)
        } else {
            min.max(1) + rng.below(TYPICAL_STRING.saturating_sub(min).max(1))
        }
        .min(max);
        let random: String = (0..target)
            .map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize] as char)
            .collect();
        // Candidates: a random string, the example with a random tail, the example.
        let mut candidates = vec![random.clone()];
        if let Some(example) = example {
            let keep = example.chars().count().min(target as usize / 2 + 1);
            let mut varied: String = example.chars().take(keep).collect();
            varied.extend(random.chars().skip(keep));
            candidates.push(varied);
            candidates.push(example.to_owned());
        }
        if let Some(prefix) = regexes.first().and_then(|re| literal_prefix(re.as_str())) {
            let mut s = prefix.clone();
            s.extend(random.chars().skip(prefix.chars().count()));
            candidates.push(s);
        }
        candidates.into_iter().find(|s| fits(s)).map(Value::String)
    }

    fn bounds(&self, pattern: &str) -> NumberBounds {
        let mut min = None;
        let mut max = None;
        let mut multiple = None;
        for rule in self.at(pattern) {
            match rule {
                Rule::Minimum { value, exclusive } => min = Some((*value, *exclusive)),
                Rule::Maximum { value, exclusive } => max = Some((*value, *exclusive)),
                Rule::MultipleOf(m) => multiple = Some(*m),
                _ => {}
            }
        }
        (min, max, multiple)
    }

    fn valid_integer(&self, pattern: &str, ty: JsonType, rng: &mut Rng, size: u32) -> Value {
        let (min, max, multiple) = self.bounds(pattern);
        let as_int = |b: Bound| match b {
            Bound::Integer(n) => n,
            Bound::Number(x) => x as i64,
        };
        let mut lo = min.map_or(0, |(b, excl)| as_int(b).saturating_add(i64::from(excl)));
        let mut hi = max.map_or(lo.saturating_add(1000), |(b, excl)| {
            as_int(b).saturating_sub(i64::from(excl))
        });
        if ty == JsonType::Integer32 {
            lo = lo.max(i64::from(i32::MIN));
            hi = hi.min(i64::from(i32::MAX));
        }
        if hi < lo {
            return Value::from(lo);
        }
        let span = hi.saturating_sub(lo).clamp(0, 1000) as u64;
        let mut n = if size == 0 {
            lo
        } else {
            lo.saturating_add(rng.below(span + 1) as i64)
        };
        if let Some(m) = multiple.map(as_int).filter(|m| *m > 0) {
            n = n.div_euclid(m).saturating_mul(m);
            if n < lo {
                n = n.saturating_add(m);
            }
        }
        Value::from(n)
    }

    fn valid_number(&self, pattern: &str, rng: &mut Rng, size: u32) -> Value {
        let (min, max, multiple) = self.bounds(pattern);
        let as_f = |b: Bound| match b {
            Bound::Integer(n) => n as f64,
            Bound::Number(x) => x,
        };
        let lo = min.map_or(0.0, |(b, excl)| as_f(b) + if excl { 0.5 } else { 0.0 });
        let hi = max.map_or(lo + 1000.0, |(b, excl)| {
            as_f(b) - if excl { 0.5 } else { 0.0 }
        });
        let mut x = if size == 0 || hi <= lo {
            lo
        } else {
            lo + (hi - lo) * (rng.below(1000) as f64 / 1000.0)
        };
        if let Some(m) = multiple.map(as_f).filter(|m| *m > 0.0) {
            x = (x / m).ceil() * m;
        }
        serde_json::Number::from_f64(x).map_or(Value::from(0), Value::Number)
    }

    fn valid_array(&self, pattern: &str, rng: &mut Rng, size: u32, depth: usize) -> Option<Value> {
        let mut min = 0;
        let mut max = u64::MAX;
        let mut unique = false;
        for rule in self.at(pattern) {
            match rule {
                Rule::MinItems(n) => min = *n,
                Rule::MaxItems(n) => max = *n,
                Rule::UniqueItems => unique = true,
                _ => {}
            }
        }
        let count = if size == 0 {
            min.max(1).min(max)
        } else {
            (min + rng.below(EXTRA_ITEMS + 1)).min(max)
        };
        let item = child_pattern(pattern, "[]");
        let mut items: Vec<Value> = Vec::new();
        let mut tries = 0;
        while (items.len() as u64) < count && tries < count * 4 + 4 {
            tries += 1;
            let value = self.valid_at(&item, rng, size.max(u32::from(unique)), depth + 1)?;
            if unique && items.contains(&value) {
                continue;
            }
            items.push(value);
        }
        Some(Value::Array(items))
    }

    fn valid_object(&self, pattern: &str, rng: &mut Rng, size: u32, depth: usize) -> Option<Value> {
        let properties = self.properties(pattern);
        let map_values = child_pattern(pattern, "*");
        let is_map = self.at(&map_values).next().is_some();
        if properties.is_empty() && !is_map {
            // Free-form: the example's, else an empty object.
            return Some(
                self.example_at(pattern)
                    .filter(|v| v.is_object())
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Map::new())),
            );
        }
        let either: Vec<&str> = self
            .at(pattern)
            .find_map(|r| match r {
                Rule::EitherOfNeither(names) => Some(*names),
                _ => None,
            })
            .unwrap_or(&[])
            .to_vec();
        let chosen = (!either.is_empty()).then(|| either[rng.below(either.len() as u64) as usize]);
        let mut map = Map::new();
        for (name, required) in properties {
            let in_either = either.contains(&name.as_str());
            let include = if in_either {
                chosen == Some(name.as_str())
            } else {
                required || (size > 0 && rng.coin())
            };
            if !include {
                continue;
            }
            let child = child_pattern(pattern, &name);
            match self.valid_at(&child, rng, size, depth + 1) {
                Some(v) => {
                    map.insert(name, v);
                }
                None if required || in_either => return None,
                None => {}
            }
        }
        if is_map {
            let count = if size == 0 {
                0
            } else {
                rng.below(EXTRA_ITEMS + 1)
            };
            for i in 0..count {
                if let Some(v) = self.valid_at(&map_values, rng, size, depth + 1) {
                    map.insert(format!("k{i}"), v);
                }
            }
        }
        Some(Value::Object(map))
    }
}

/// The member name of `path` when it is a direct child of `parent` (`*` for a map value).
fn direct_child<'p>(parent: &str, path: &'p str) -> Option<&'p str> {
    let rest = if parent.is_empty() {
        path
    } else {
        path.strip_prefix(parent)?.strip_prefix('.')?
    };
    (!rest.is_empty() && !rest.contains('.') && !rest.contains("[]")).then_some(rest)
}

/// A valid text of a string format.
fn format_example(format: &str) -> &'static str {
    match format {
        "date" => "2024-05-22",
        "date-time" => "2024-05-22T06:42:21+08:00",
        "byte" => "Y29uZm9ybWFuY2U=",
        _ => "x",
    }
}

/// The literal text a `^...` pattern starts with (letters, digits, `-`, `_`), if any.
fn literal_prefix(pattern: &str) -> Option<String> {
    let rest = pattern.strip_prefix('^')?;
    let prefix: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    // A quantifier after the last character applies to it alone: drop that character.
    let next = rest[prefix.len()..].chars().next();
    let prefix = match next {
        Some('?' | '*' | '+' | '{') => prefix[..prefix.len().saturating_sub(1)].to_owned(),
        _ => prefix,
    };
    (!prefix.is_empty()).then_some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_segments() {
        assert_eq!(segments("a.b[].c"), ["a", "b", "[]", "c"]);
        assert_eq!(segments("grid[][]"), ["grid", "[]", "[]"]);
        assert!(segments("").is_empty());
        assert_eq!(direct_child("a", "a.b"), Some("b"));
        assert_eq!(direct_child("", "a"), Some("a"));
        assert_eq!(direct_child("a", "a.b.c"), None);
        assert_eq!(direct_child("a", "a.b[]"), None);
    }

    #[test]
    fn the_literal_prefix_of_a_pattern() {
        assert_eq!(literal_prefix("^2160").as_deref(), Some("2160"));
        assert_eq!(literal_prefix("^ab?c").as_deref(), Some("a"));
        assert_eq!(literal_prefix("[0-9]"), None);
    }

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs[0], xs[1]);
    }

    #[test]
    fn every_operation_of_the_spec_gets_valid_requests() {
        for op in alipayhk_api::spec::OPERATIONS {
            let example: Value = serde_json::from_str(op.request_example).expect("example");
            let schema = RequestSchema::new(op.request_rules, &example);
            let mut rng = Rng::new(1);
            for size in [0, 1, 2, 3] {
                for _ in 0..20 {
                    let body = schema.valid("", &mut rng, size).expect(op.id);
                    let bytes = serde_json::to_vec(&body).expect("json");
                    if let Err(e) = (op.check_request)(&bytes) {
                        panic!("{}: {body} is invalid: {e}", op.id);
                    }
                }
            }
        }
    }
}
