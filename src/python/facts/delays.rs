//! Waits the other side mandates: a delay computed from a `Retry-After` header or a polling
//! interval is a minimum, which jitter must not shorten.

use ruff_python_ast::visitor::{walk_expr, Visitor};
use ruff_python_ast::Expr;

/// Spellings (lower case, `-` as `_`) that name a wait the other side asks for.
const MANDATED_WAITS: &[&str] = &["retry_after", "retryafter", "interval"];

/// Whether `delay` names a mandated wait: a name, attribute or string key such as
/// `retry_after`, `response.headers["Retry-After"]` or `self.poll_interval`.
pub fn is_mandated_wait(delay: &Expr) -> bool {
    struct Finder {
        found: bool,
    }
    impl<'a> Visitor<'a> for Finder {
        fn visit_expr(&mut self, expr: &'a Expr) {
            let word = match expr {
                Expr::Name(name) => Some(name.id.as_str()),
                Expr::Attribute(attribute) => Some(attribute.attr.as_str()),
                Expr::StringLiteral(string) => Some(string.value.to_str()),
                _ => None,
            };
            if let Some(word) = word {
                let word = word.to_ascii_lowercase().replace('-', "_");
                self.found |= MANDATED_WAITS.iter().any(|wait| word.contains(wait));
            }
            if !self.found {
                walk_expr(self, expr);
            }
        }
    }
    let mut finder = Finder { found: false };
    finder.visit_expr(delay);
    finder.found
}
