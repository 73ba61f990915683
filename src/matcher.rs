//! Qualified-name patterns: `time.sleep`, `requests.*`, `std::thread::sleep`, `openai.*.create`.
//!
//! A pattern is a sequence of segments separated by `.` (Python) or `::` (Rust); `*` matches
//! exactly one segment. Built-in block lists and user config (`extend-blocking-calls`,
//! `guarded-calls`) share this syntax.

use rustc_hash::{FxHashMap, FxHashSet};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallPattern {
    text: String,
    segments: Vec<Segment>,
    /// `::` or `.`, found once: every call of the file is matched against the patterns.
    separator: &'static str,
}

// As written (the result cache's key names the configured patterns): the segments are parsed
// from the text.
impl serde::Serialize for CallPattern {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Segment {
    Literal(String),
    Any,
}

impl CallPattern {
    pub fn parse(text: &str) -> Result<CallPattern, String> {
        let separator = if text.contains("::") { "::" } else { "." };
        let segments: Vec<Segment> = text
            .split(separator)
            .map(|segment| match segment {
                "*" => Ok(Segment::Any),
                "" => Err(format!("`{text}` has an empty segment")),
                _ if is_identifier(segment) => Ok(Segment::Literal(segment.to_string())),
                _ => Err(format!(
                    "`{text}`: segment `{segment}` is neither an identifier nor `*`"
                )),
            })
            .collect::<Result<_, _>>()?;
        if segments.len() < 2 && segments.iter().all(|segment| segment == &Segment::Any) {
            return Err(format!("`{text}` would match every call"));
        }
        Ok(CallPattern {
            text: text.to_string(),
            segments,
            separator,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_rust(&self) -> bool {
        self.separator == "::"
    }

    /// The name a matching call is made by (`create` in `openai.*.create`): it appears in the
    /// source of every call the pattern matches. `None` when that segment is `*`.
    pub fn called_name(&self) -> Option<&str> {
        match self.segments.last()? {
            Segment::Literal(name) => Some(name),
            Segment::Any => None,
        }
    }

    fn is_exact(&self) -> bool {
        self.segments
            .iter()
            .all(|segment| matches!(segment, Segment::Literal(_)))
    }

    pub fn matches(&self, qualified_name: &str) -> bool {
        let separator = self.separator;
        // Nearly every name differs in its first segment: comparing it before splitting spares
        // most names the substring searcher that `split` sets up.
        if let Some(Segment::Literal(first)) = self.segments.first() {
            let first_matches = qualified_name
                .strip_prefix(first.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(separator));
            if !first_matches {
                return false;
            }
        }
        let mut parts = qualified_name.split(separator);
        for segment in &self.segments {
            match (segment, parts.next()) {
                (_, None) => return false,
                (Segment::Any, Some(_)) => {}
                (Segment::Literal(literal), Some(part)) if literal == part => {}
                _ => return false,
            }
        }
        parts.next().is_none()
    }
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first == '_' || first.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// A set of patterns, with exact names in a hash set so the common case is one lookup.
#[derive(Debug, Clone, Default)]
pub struct CallMatcher {
    exact: FxHashSet<String>,
    wildcards: Vec<CallPattern>,
}

impl CallMatcher {
    pub fn new<'p>(patterns: impl IntoIterator<Item = &'p CallPattern>) -> Self {
        let mut matcher = CallMatcher::default();
        for pattern in patterns {
            if pattern.is_exact() {
                matcher.exact.insert(pattern.text.clone());
            } else {
                matcher.wildcards.push(pattern.clone());
            }
        }
        matcher
    }

    pub fn matches(&self, qualified_name: &str) -> bool {
        self.exact.contains(qualified_name)
            || self
                .wildcards
                .iter()
                .any(|pattern| pattern.matches(qualified_name))
    }
}

/// Which of several matchers, taken in order, is the first to match a name: one look-up of the
/// exact names of all of them instead of one per matcher.
#[derive(Debug, Clone)]
pub struct FirstMatch<T> {
    values: Vec<T>,
    /// Each exact name with the position of the first matcher that has it.
    exact: FxHashMap<String, usize>,
    /// Every wildcard pattern with its matcher's position, in matcher order.
    wildcards: Vec<(usize, CallPattern)>,
}

impl<T: Copy> FirstMatch<T> {
    pub fn new<'m>(matchers: impl IntoIterator<Item = (T, &'m CallMatcher)>) -> Self {
        let mut first = FirstMatch {
            values: Vec::new(),
            exact: FxHashMap::default(),
            wildcards: Vec::new(),
        };
        for (position, (value, matcher)) in matchers.into_iter().enumerate() {
            first.values.push(value);
            for name in &matcher.exact {
                first.exact.entry(name.clone()).or_insert(position);
            }
            first.wildcards.extend(
                matcher
                    .wildcards
                    .iter()
                    .map(|pattern| (position, pattern.clone())),
            );
        }
        first
    }

    /// The value of the first matcher that matches `qualified_name`.
    pub fn find(&self, qualified_name: &str) -> Option<T> {
        let exact = self.exact.get(qualified_name).copied();
        let wildcard = self
            .wildcards
            .iter()
            .take_while(|(position, _)| exact.is_none_or(|exact| *position < exact))
            .find(|(_, pattern)| pattern.matches(qualified_name))
            .map(|(position, _)| *position);
        wildcard.or(exact).map(|position| self.values[position])
    }
}

/// A list of patterns in a `rules/data/*.toml` file, parsed (for extending with the user's
/// patterns) and as a matcher. An invalid pattern fails the load.
#[derive(Debug, Clone, Default)]
pub struct PatternList {
    patterns: Vec<CallPattern>,
    matcher: CallMatcher,
}

impl PatternList {
    pub fn matches(&self, qualified_name: &str) -> bool {
        self.matcher.matches(qualified_name)
    }

    pub fn patterns(&self) -> &[CallPattern] {
        &self.patterns
    }

    pub fn matcher(&self) -> &CallMatcher {
        &self.matcher
    }
}

impl<'de> serde::Deserialize<'de> for PatternList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries = Vec::<String>::deserialize(deserializer)?;
        let patterns = entries
            .iter()
            .map(|entry| CallPattern::parse(entry))
            .collect::<Result<Vec<_>, _>>()
            .map_err(serde::de::Error::custom)?;
        let matcher = CallMatcher::new(&patterns);
        Ok(PatternList { patterns, matcher })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_exactly_one_segment() {
        let pattern = CallPattern::parse("openai.*.create").unwrap();
        assert!(pattern.matches("openai.completions.create"));
        assert!(!pattern.matches("openai.create"));
        assert!(!pattern.matches("openai.chat.completions.create"));
    }

    #[test]
    fn the_first_segment_is_a_whole_segment() {
        let pattern = CallPattern::parse("random.*").unwrap();
        assert!(pattern.matches("random.choice"));
        assert!(!pattern.matches("randomness.choice"));
        assert!(!pattern.matches("random"));
        assert!(!pattern.matches("secrets.random.choice"));
        let pattern = CallPattern::parse("tokio::*::sleep").unwrap();
        assert!(pattern.matches("tokio::time::sleep"));
        assert!(!pattern.matches("tokio_util::time::sleep"));
        assert!(!pattern.matches("tokio:time::sleep"));
    }

    #[test]
    fn rust_paths_use_double_colons() {
        let pattern = CallPattern::parse("std::thread::*").unwrap();
        assert!(pattern.matches("std::thread::sleep"));
        assert!(!pattern.matches("std.thread.sleep"));
    }

    #[test]
    fn invalid_patterns_are_rejected() {
        assert!(CallPattern::parse("*").is_err());
        assert!(CallPattern::parse("time..sleep").is_err());
        assert!(CallPattern::parse("time.sl eep").is_err());
        assert!(CallPattern::parse("time.sleep()").is_err());
    }

    #[test]
    fn matcher_combines_exact_and_wildcard_patterns() {
        let patterns = ["time.sleep", "requests.*"].map(|p| CallPattern::parse(p).unwrap());
        let matcher = CallMatcher::new(&patterns);
        assert!(matcher.matches("time.sleep"));
        assert!(matcher.matches("requests.get"));
        assert!(!matcher.matches("requests.Session.get"));
        assert!(!matcher.matches("asyncio.sleep"));
    }

    #[test]
    fn the_first_matcher_in_order_wins_whether_exact_or_wildcard() {
        let matcher = |patterns: &[&str]| {
            let patterns: Vec<CallPattern> = patterns
                .iter()
                .map(|p| CallPattern::parse(p).unwrap())
                .collect();
            CallMatcher::new(&patterns)
        };
        let (sleep, http, all) = (
            matcher(&["time.sleep"]),
            matcher(&["requests.*", "time.sleep"]),
            matcher(&["requests.get", "time.*"]),
        );
        let first = FirstMatch::new([(1, &sleep), (2, &http), (3, &all)]);
        assert_eq!(first.find("time.sleep"), Some(1));
        assert_eq!(first.find("requests.get"), Some(2));
        assert_eq!(first.find("time.time"), Some(3));
        assert_eq!(first.find("asyncio.sleep"), None);
        let first = FirstMatch::new([(3, &all), (2, &http)]);
        assert_eq!(first.find("requests.get"), Some(3));
        assert_eq!(first.find("requests.post"), Some(2));
        assert_eq!(first.find("time.sleep"), Some(3));
    }
}
