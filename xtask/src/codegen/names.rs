//! Rust identifiers from the API's names: `deploymentPlan` -> `deployment_plan`,
//! `rollout-steady` -> `RolloutSteady`, `type` -> `type_`, `2fa` -> `n2fa`.

use std::collections::BTreeSet;

/// Splits a name into lower-case words at case changes, digits-to-letters and punctuation:
/// `buildSHA` -> `build sha`, `HTTPServer2x` -> `http server2x`, `per_page` -> `per page`.
pub(crate) fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for (index, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        let previous = index.checked_sub(1).map(|i| chars[i]);
        let next = chars.get(index + 1).copied();
        let boundary = match previous {
            Some(p) if c.is_ascii_uppercase() => {
                // `aB` starts a word, and so does the `B` of `ABc` (the end of an acronym),
                // except in a plural acronym: the `Bs` of `LBs` ends the word.
                let after_next = chars.get(index + 2).copied();
                let plural =
                    next == Some('s') && !after_next.is_some_and(|a| a.is_ascii_lowercase());
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase()
                        && next.is_some_and(|n| n.is_ascii_lowercase())
                        && !plural)
            }
            _ => false,
        };
        if boundary && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Words a field or function cannot be named with, even as a raw identifier in some cases.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// `snake_case` for fields, parameters and functions; keywords get a trailing `_` and a
/// leading digit an `n`; a name without letters or digits becomes `value`.
pub(crate) fn snake(name: &str) -> String {
    let mut snake = words(name).join("_");
    if snake.is_empty() {
        snake.push_str("value");
    }
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        snake.insert(0, 'n');
    }
    if KEYWORDS.contains(&snake.as_str()) {
        snake.push('_');
    }
    snake
}

/// `PascalCase` for types and variants; a leading digit gets an `N`; `Self` becomes
/// `SelfValue`; a name without letters or digits is empty (the caller chooses a fallback).
pub(crate) fn pascal(name: &str) -> String {
    let mut pascal: String = words(name)
        .iter()
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    if pascal.starts_with(|c: char| c.is_ascii_digit()) {
        pascal.insert(0, 'N');
    }
    if pascal == "Self" {
        pascal.push_str("Value");
    }
    pascal
}

/// `SCREAMING_SNAKE_CASE` for statics.
pub(crate) fn screaming(name: &str) -> String {
    words(name).join("_").to_ascii_uppercase()
}

/// Hands out names unique within one scope, numbering repeats: `name`, `name_2`, `name_3`.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// Reserves `name` as is, so that later requests for it get a number.
    pub(crate) fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }

    /// `wanted` if free, else `wanted` with the first free number, joined by `separator`.
    pub(crate) fn claim(&mut self, wanted: &str, separator: &str) -> String {
        let mut name = wanted.to_owned();
        let mut number = 2;
        while self.taken.contains(&name) {
            name = format!("{wanted}{separator}{number}");
            number += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_rust_conventions() {
        assert_eq!(snake("deploymentPlan"), "deployment_plan");
        assert_eq!(snake("buildSHA"), "build_sha");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(
            snake("subnetIdsForServiceLBs"),
            "subnet_ids_for_service_lbs"
        );
        assert_eq!(snake("userIDs"), "user_ids");
        assert_eq!(snake("IPsAllowed"), "ips_allowed");
        assert_eq!(snake("per_page"), "per_page");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("$schema"), "schema");
        assert_eq!(snake("2fa"), "n2fa");
        assert_eq!(snake("gpu2Count"), "gpu2_count");
        assert_eq!(snake("***"), "value");
        assert_eq!(pascal("rollout-steady"), "RolloutSteady");
        assert_eq!(pascal("HTTP/2"), "Http2");
        assert_eq!(pascal("nf-compute-20"), "NfCompute20");
        assert_eq!(pascal("x86"), "X86");
        assert_eq!(pascal("2fa"), "N2fa");
        assert_eq!(pascal("self"), "SelfValue");
        assert_eq!(pascal(""), "");
        assert_eq!(
            screaming("get.service.buildMetrics"),
            "GET_SERVICE_BUILD_METRICS"
        );
    }

    #[test]
    fn scopes_number_repeats() {
        let mut scope = Scope::default();
        scope.reserve("body");
        assert_eq!(scope.claim("name", "_"), "name");
        assert_eq!(scope.claim("name", "_"), "name_2");
        assert_eq!(scope.claim("body", "_"), "body_2");
    }
}
