//! What a method's decorators make of it: a property's accessor, a class or static method.

use ruff_python_ast::{self as ast, Expr};

use crate::python::semantic::SemanticModel;

/// Decorators that make a method the getter of an attribute of its name.
const GETTER_DECORATORS: &[&str] = &["builtins.property", "functools.cached_property"];

/// What a method is to the attribute of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accessor {
    /// `@property`, `@functools.cached_property`, `@x.getter`: runs where the attribute is read.
    Getter,
    /// `@x.setter` or `@x.deleter` on a `def x`: another function of the same name, which runs
    /// where the attribute is assigned or deleted.
    Setter,
    Deleter,
}

pub fn accessor(semantic: &SemanticModel, function: &ast::StmtFunctionDef) -> Option<Accessor> {
    function
        .decorator_list
        .iter()
        .find_map(|decorator| match &decorator.expression {
            Expr::Attribute(attribute)
                if matches!(attribute.value.as_ref(), Expr::Name(name)
                    if name.id == function.name.id) =>
            {
                match attribute.attr.as_str() {
                    "getter" => Some(Accessor::Getter),
                    "setter" => Some(Accessor::Setter),
                    "deleter" => Some(Accessor::Deleter),
                    _ => None,
                }
            }
            expression => semantic
                .qualified_name(expression)
                .is_some_and(|name| GETTER_DECORATORS.contains(&name.as_str()))
                .then_some(Accessor::Getter),
        })
}

/// A `@classmethod`: its first parameter is the class, on which a property is the property
/// object, not its value.
pub fn is_classmethod(function: &ast::StmtFunctionDef) -> bool {
    function.decorator_list.iter().any(|decorator| {
        matches!(&decorator.expression, Expr::Name(name) if name.id.as_str() == "classmethod")
    })
}

/// A `@staticmethod`: it has no `self` parameter.
pub fn is_staticmethod(function: &ast::StmtFunctionDef) -> bool {
    function.decorator_list.iter().any(|decorator| {
        matches!(&decorator.expression, Expr::Name(name) if name.id.as_str() == "staticmethod")
    })
}
