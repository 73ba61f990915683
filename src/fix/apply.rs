//! Applying fixes to a text in one pass: a fix's edits go in all together or not at all, and a
//! fix whose edits would overlap an accepted one waits for the next pass (after a re-lint, its
//! rule reports it again against the updated text).

use ruff_text_size::TextRange;

use crate::diagnostic::{Edit, Fix};
use crate::registry::Rule;

/// The text after one pass, and the rule of every fix that went in.
#[derive(Debug, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    pub rules: Vec<Rule>,
}

/// Applies every fix of `fixes`, in the order given, that does not collide with a fix accepted
/// before it. An edit identical to an accepted one (the `import asyncio` two fixes both need)
/// is shared rather than a collision, so it lands once. `None` when no fix could be applied.
pub fn apply_fixes<'f>(
    text: &str,
    fixes: impl IntoIterator<Item = (Rule, &'f Fix)>,
) -> Option<Applied> {
    let mut accepted: Vec<&'f Edit> = Vec::new();
    let mut rules = Vec::new();
    for (rule, fix) in fixes {
        if fix.edits.is_empty() || !is_within(text, &fix.edits) || overlaps_itself(&fix.edits) {
            continue;
        }
        let new_edits: Vec<&Edit> = fix
            .edits
            .iter()
            .filter(|edit| !accepted.contains(edit))
            .collect();
        let collides = new_edits.iter().any(|edit| {
            accepted
                .iter()
                .any(|other| collide(edit.range, other.range))
        });
        if collides {
            continue;
        }
        accepted.extend(new_edits);
        rules.push(rule);
    }
    if rules.is_empty() {
        return None;
    }
    accepted.sort_by_key(|edit| (edit.range.start(), edit.range.end()));
    let mut output = String::with_capacity(text.len() + 64);
    let mut position = 0;
    for edit in accepted {
        output.push_str(&text[position..edit.range.start().to_usize()]);
        output.push_str(&edit.content);
        position = edit.range.end().to_usize();
    }
    output.push_str(&text[position..]);
    Some(Applied {
        text: output,
        rules,
    })
}

/// Whether two different edits cannot both be applied: their ranges overlap, an insertion falls
/// strictly inside a replaced range, or two insertions at one point would need an order.
fn collide(a: TextRange, b: TextRange) -> bool {
    if a.is_empty() && b.is_empty() {
        return a.start() == b.start();
    }
    a.start() < b.end() && b.start() < a.end()
}

fn overlaps_itself(edits: &[Edit]) -> bool {
    edits.iter().enumerate().any(|(index, edit)| {
        edits[index + 1..]
            .iter()
            .any(|other| other != edit && collide(edit.range, other.range))
    })
}

/// A rule bug must not panic the engine: edits outside the text or inside a UTF-8 character
/// are refused.
fn is_within(text: &str, edits: &[Edit]) -> bool {
    edits.iter().all(|edit| {
        let (start, end) = (edit.range.start().to_usize(), edit.range.end().to_usize());
        end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end)
    })
}

#[cfg(test)]
mod tests {
    use ruff_text_size::TextSize;

    use super::*;

    fn range(start: u32, end: u32) -> TextRange {
        TextRange::new(TextSize::new(start), TextSize::new(end))
    }

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix::safe("test", edits)
    }

    #[test]
    fn edits_apply_in_text_order_whatever_the_fix_order() {
        let late = fix(vec![Edit::replacement(range(7, 8), "B")]);
        let early = fix(vec![Edit::replacement(range(0, 1), "A")]);
        let applied = apply_fixes(
            "a = 1; b = 2",
            [(Rule::BlockingSleep, &late), (Rule::BlockingHttp, &early)],
        )
        .unwrap();
        assert_eq!(applied.text, "A = 1; B = 2");
        assert_eq!(applied.rules, [Rule::BlockingSleep, Rule::BlockingHttp]);
    }

    #[test]
    fn an_overlapping_fix_is_deferred_whole() {
        let first = fix(vec![Edit::replacement(range(0, 5), "x")]);
        let second = fix(vec![
            Edit::replacement(range(4, 6), "y"),
            Edit::insertion(TextSize::new(10), "z"),
        ]);
        let applied = apply_fixes(
            "0123456789",
            [(Rule::BlockingSleep, &first), (Rule::BlockingHttp, &second)],
        )
        .unwrap();
        assert_eq!(
            applied.text, "x56789",
            "none of the second fix's edits land"
        );
        assert_eq!(applied.rules, [Rule::BlockingSleep]);
    }

    #[test]
    fn an_identical_import_lands_once() {
        let import = Edit::insertion(TextSize::new(0), "import asyncio\n");
        let first = fix(vec![import.clone(), Edit::replacement(range(4, 5), "A")]);
        let second = fix(vec![import, Edit::replacement(range(7, 8), "B")]);
        let applied = apply_fixes(
            "x = a; b",
            [
                (Rule::BlockingSleep, &first),
                (Rule::BlockingFileIo, &second),
            ],
        )
        .unwrap();
        assert_eq!(applied.text, "import asyncio\nx = A; B");
    }

    #[test]
    fn different_insertions_at_one_point_collide_but_touching_edits_do_not() {
        let first = fix(vec![Edit::insertion(TextSize::new(0), "import anyio\n")]);
        let second = fix(vec![Edit::insertion(TextSize::new(0), "import asyncio\n")]);
        let touching = fix(vec![Edit::replacement(range(0, 1), "y")]);
        let applied = apply_fixes(
            "x",
            [
                (Rule::BlockingSleep, &first),
                (Rule::BlockingFileIo, &second),
                (Rule::BlockingHttp, &touching),
            ],
        )
        .unwrap();
        assert_eq!(applied.text, "import anyio\ny");
        assert_eq!(applied.rules, [Rule::BlockingSleep, Rule::BlockingHttp]);
    }

    #[test]
    fn broken_fixes_are_refused_not_panicked_on() {
        let outside = fix(vec![Edit::replacement(range(2, 50), "x")]);
        let inside_char = fix(vec![Edit::replacement(range(1, 2), "x")]);
        let self_overlapping = fix(vec![
            Edit::replacement(range(0, 2), "x"),
            Edit::replacement(range(1, 3), "y"),
        ]);
        assert_eq!(
            apply_fixes(
                "é = 1",
                [
                    (Rule::BlockingSleep, &outside),
                    (Rule::BlockingSleep, &inside_char),
                    (Rule::BlockingSleep, &self_overlapping),
                ]
            ),
            None
        );
    }
}
